# drop-data against a real 'hangar server': --help and bad arguments, --dry-run, --keep-bytes,
# a column dropped (summary, du and fsck after it), fetch-data and lazy reads bring it back
# byte-identical, and the refusals (data not on the remote; remote stopped) that drop nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

ok init src --user-name t --user-email t@example.org
random_npys npys 120 64  # 120 incompressible samples of 12 KiB: ~1.4 MiB, two l1 segments
random_npys labels 120 4
ok -C src import images "$T/npys"
ok -C src import labels "$T/labels"
ok -C src commit -m base
serve src
ok clone "$URL" full
ok -C full export images "$T/before"

# The interface: --help, bad arguments (2), unknown remote and column (3, nothing dropped).
ok drop-data --help
grep -q -- '--keep-bytes' "$OUT" || die "drop-data --help lists --keep-bytes"
grep -q 'Exit codes' "$OUT" || die "drop-data --help documents the exit codes"
run -C full drop-data --ref HEAD --all-history
[[ $RC -eq 2 ]] || die "--ref with --all-history exited $RC, expected 2"
run -C full drop-data --bogus
[[ $RC -eq 2 ]] || die "an unknown option exited $RC, expected 2"
fails 2 "size" -C full drop-data --keep-bytes lots
fails 3 "no remote 'nope'" -C full drop-data nope
fails 3 "no column 'nope'" -C full drop-data --columns nope
cd full
snapshot start
cd "$T"

# --dry-run: decides and checks, changes nothing.
du0=$(du -sb full/.hangar | cut -f1)
ok -C full drop-data --columns images --dry-run --json
jcheck '.dry_run and .remote == "origin" and .samples_selected == 120 and .samples_dropped == 120
  and .chunks_dropped == 120 and .stored_bytes >= 120 * 12288 and .disk_bytes_freed == 0' \
  "drop-data --dry-run"
ok -C full drop-data --all-history --dry-run --json
jcheck '.commit == null and .samples_selected == 240 and .chunks_dropped == 240' \
  "drop-data --all-history --dry-run"
cd full && unchanged start && cd "$T"

# --keep-bytes: the first samples in key order that fit stay (3 x 12288 <= 40000).
ok -C full drop-data origin --columns images --keys 0000 0001 0002 0003 0004 0005 0006 0007 \
  --keep-bytes 40000 --json
jcheck '.samples_selected == 8 and .samples_kept == 3 and .samples_dropped == 5 and
  .chunks_dropped == 5' "drop-data --keep-bytes"
ok -C full summary --json
jcheck '(.columns[] | select(.name == "images") | .local_count == 115)' "5 samples dropped"
ok -C full get images 0002 -o "$T/k.npy"
fails 3 "0003.*not local.*fetch-data" -C full get images 0003

# The whole column: summary, du and fsck after it.
ok -C full summary --json
jcheck '(.columns[] | select(.name == "images") | .local_nbytes == 115 * 12288)' "before"
ok -C full drop-data --columns images --json
jcheck '.samples_dropped == 115 and .chunks_dropped == 115 and .compacted and
  .pending_bytes == 0 and .disk_bytes_freed > 115 * 12288 * 3 / 4' "drop-data of a column"
freed=$(jget .disk_bytes_freed)
du1=$(du -sb full/.hangar | cut -f1)
echo "drop-data: .hangar $du0 -> $du1 bytes (du -sb); chunk store freed $freed" >&2
(( du1 < du0 - 115 * 12288 * 3 / 4 )) || die "du -sb .hangar went from $du0 to $du1 only"
ok -C full summary --json
jcheck '(.columns[] | select(.name == "images") | .local_count == 0 and .local_nbytes == 0)
  and (.columns[] | select(.name == "labels") | .local_count == 120)' "summary after drop-data"
ok -C full fsck --json
jcheck '.ok and .not_local == 120' "fsck is clean after drop-data"
ok -C full drop-data --columns images --json
jcheck '.chunks_dropped == 0 and .samples_dropped == 0' "nothing to drop twice"

# fetch-data brings every dropped sample back, byte-identical.
ok -C full fetch-data origin --columns images --json
jcheck '.chunks == 120' "fetch-data after drop-data"
ok -C full export images "$T/after"
diff -r "$T/before" "$T/after" >/dev/null || die "samples differ after drop-data + fetch-data"
ok -C full fsck --rehash --json
jcheck '.ok and .not_local == 0' "fsck --rehash after fetch-data"

# Or a lazy read: dropped again, the samples come back on demand, identical, then stay local.
ok -C full drop-data --columns images --json
jcheck '.chunks_dropped == 120' "drop-data before the lazy reads"
ok -C full config fetch.lazy true
ok -C full get images 0042 -o "$T/lazy42.npy"
cmp "$T/lazy42.npy" "$T/npys/0042.npy" || die "a lazy read after drop-data differs"
ok -C full export images "$T/lazy"
diff -r "$T/before" "$T/lazy" >/dev/null || die "a lazy export after drop-data differs"
ok -C full config fetch.lazy false
ok -C full fsck --rehash --json
jcheck '.ok and .not_local == 0' "fsck --rehash after the lazy reads"

# While another hangar process has the clone open (here a server of it), everything happens
# but the LMDB file swap; the pages come back with a later drop-data once it is gone.
src_server=$SERVER_PID src_url=$URL
serve full
ok -C full drop-data --columns labels --json
jcheck '.chunks_dropped == 120 and (.compacted | not) and .pending_bytes > 0' "drop-data while open"
unserve "$SERVER_PID"
ok -C full drop-data --columns labels --json
jcheck '.chunks_dropped == 0 and .compacted and .pending_bytes == 0 and .disk_bytes_freed > 0' \
  "a later drop-data gives the pages back"
ok -C full fetch-data origin --columns labels
ok -C full fsck --rehash --json
jcheck '.ok and .not_local == 0' "fsck --rehash after the labels came back"

# The remote's history names the chunks but it lacks their data (a clone without data): the
# remote's own answer refuses them.
ok clone "$src_url" mid --no-data
ok -C full remote add mid "$T/mid"
ok -C full fetch mid
fails 3 "120 samples \(120 chunks\).*not on remote 'mid'.*hangar push mid main" \
  -C full drop-data mid --columns labels

# Data that exists only here is refused, whole: nothing is dropped.
make_npy "$T/new.npy" '|u1' "64,64,3" "$(patternhex 12288 999)"
ok -C full put images 9999 "$T/new.npy"
ok -C full commit -m local
cd full
snapshot unpushed
cd "$T"
fails 3 "1 samples \(1 chunks\).*not on remote 'origin'.*hangar push origin main" \
  -C full drop-data --columns images
cd full && unchanged unpushed && cd "$T"

# The remote cannot be reached: refused, nothing dropped.
unserve "$src_server"
fails 3 "cannot confirm that remote 'origin'.*nothing was dropped" -C full drop-data --columns labels
cd full && unchanged unpushed && cd "$T"
ok -C full fsck --json
jcheck '.ok' "fsck after the refusals"
