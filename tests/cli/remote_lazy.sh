# Lazy reads: a clone set to fetch on demand ('clone --lazy', 'config fetch.lazy
# true') reads samples that are not local from its remote: get and export bring them,
# verified and whole; a server that dies mid-read or is gone is a clear error (exit 3) that
# leaves the clone as it was, and the next read after a restart works. Also 'hangar config'.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 40 base
ok -C src export images "$T/want"
serve src
url=$URL

# A lazy clone fetches no data up front and says so in its config.
ok clone --lazy "$url" c --json
jcheck '.lazy == true and .chunks == 0'
ok -C c config fetch.lazy
[[ $(cat "$OUT") == true ]] || die "config fetch.lazy is not true in a lazy clone"
ok -C c summary --json
jcheck '.columns[0].local_count == 0 and .columns[0].count == 40'

# get fetches one sample; export fetches the rest (one request per batch); both identical.
ok -C c get images 0003 -o "$T/one.npy"
cmp "$T/one.npy" npys/0003.npy || die "lazy get differs from the imported file"
ok -C c summary --json
jcheck '.columns[0].local_count == 1'
ok -C c export images "$T/got"
diff -r "$T/want" "$T/got" >/dev/null || die "lazy export differs from the source's export"
ok -C c summary --json
jcheck '.columns[0].local_count == 40'
ok -C c fsck --json
jcheck '.ok == true'

# A clone without fetch.lazy: a read names fetch-data and the setting; setting it makes it work.
ok clone "$url" n --no-data
fails 3 "sample .0007. of the staged state is not local.*fetch-data origin HEAD --keys 0007.*fetch.lazy true" -C n get images 0007
ok -C n config fetch.lazy true
ok -C n get images 0007 -o "$T/seven.npy"
cmp "$T/seven.npy" npys/0007.npy || die "lazy get after 'config fetch.lazy true' differs"
ok -C n config fetch.lazy false
fails 3 "not local" -C n get images 0008

# clone --lazy with a budget: part of the data up front, the rest on demand.
ok clone --lazy "$url" part --max-bytes 20K
ok -C part summary --json
jcheck '.columns[0].local_count > 0 and .columns[0].local_count < 40'
ok -C part export images "$T/partx"
diff -r "$T/want" "$T/partx" || die "export of a budget lazy clone differs"

# The server dies half-way through the pack of a lazy read: exit 3 naming the remote and
# fetch-data, nothing stored; after a restart the same read works.
ok clone --lazy "$url" d
unserve "$SERVER_PID"
fails 3 "cannot fetch 1 chunk from remote 'origin'.*nothing is listening.*fetch-data origin" \
  -C d get images 0005
HANGAR_FAILPOINT=server-mid-pack serve src
ok -C d remote set-url origin "$URL"
rsnap d d
fails 3 "remote 'origin'.*(ended after|connection broke).*fetch-data origin" -C d export images "$T/half"
runchanged d d
ok -C d fsck --json
jcheck '.ok == true and .not_local > 0'
wait "$SERVER_PID" 2>/dev/null || true
serve src
ok -C d remote set-url origin "$URL"
ok -C d get images 0005 -o "$T/five.npy"
cmp "$T/five.npy" npys/0005.npy || die "lazy get after the restart differs"
ok -C d fsck --json
jcheck '.ok == true'

# hangar config: list, read, unset, refusals.
ok -C c config --list
grep -qx 'fetch.lazy=true' "$OUT" || die "config --list lacks fetch.lazy=true"
ok -C c config --list --json
jcheck '.["fetch.lazy"] == "true" and .["clone.remote"] == "origin"'
run -C c config user.name
[[ $RC -eq 1 && ! -s $OUT && ! -s $ERR ]] || die "reading an unset key must exit 1 silently"
ok -C c config user.name "Ada"
ok -C c config user.name
[[ $(cat "$OUT") == Ada ]] || die "config user.name did not read back"
ok -C c config --unset user.name
run -C c config user.name
[[ $RC -eq 1 ]] || die "config --unset did not remove user.name"
fails 3 "fetch.lazy must be 'true' or 'false'" -C c config fetch.lazy yes
fails 3 "unknown config key 'nope'.*fetch.lazy" -C c config nope 1
fails 3 "managed by 'hangar remote'" -C c config remote.origin.url http://x
fails 2 "" -C c config --unset user.name Ada
fails 2 "--unset needs the KEY" -C c config --unset
fails 2 "--list takes no KEY" -C c config --list user.name
ok -C c config fetch.lazy
[[ $(cat "$OUT") == true ]] || die "a refused config change changed fetch.lazy"
