# The object store of an S3-backed server stops in the middle of a clone and of a fetch-data
# (its radosgw is killed; mon and OSD keep the data): each fails with a clear error naming the
# store (exit 3), leaves nothing half-done, and works once the store is back. Uses its own RGW
# (tests/s3/rgw-up.sh), since stopping the fixture's would break the tests running beside it.
# Usage: bash tests/s3/outage_s3.sh /path/to/hangar
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
mkdir -p "$T/rgw-tmp"
TMPDIR=$T/rgw-tmp bash "$here/rgw-up.sh" "$T/rgw.env" >/dev/null || die "rgw-up failed"
trap 'stop_servers; bash "$here/rgw-down.sh" "$T/rgw.env"; rm -rf "$T"' EXIT
HANGAR_S3_ENV=$T/rgw.env
source "$here/s3_lib.sh"

STORE=s3://$HANGAR_S3_BUCKET/outage
ok init src --user-name t --user-email t@example.org
random_npys npys 20
ok -C src import images "$T/npys"
ok -C src commit -m base
ok init srv
printf 'write wtok\nread rtok\n' >tokens
serve srv --tokens tokens --store "$STORE" --s3-endpoint "$HANGAR_S3_ENDPOINT"
HANGAR_TOKEN=wtok ok -C src remote add origin "$URL"
HANGAR_TOKEN=wtok ok -C src push origin
export HANGAR_TOKEN=rtok
ok clone "$URL" part --no-data

# The store goes away after the clone got its history, before the data.
HANGAR_FAILPOINT=store-before-fetch:stop "$HANGAR" clone "$URL" c >"$OUT" 2>"$ERR" </dev/null &
pid=$!
for ((i = 0; i < 400; i++)); do
  [[ $(ps -o stat= -p $pid 2>/dev/null) == T* ]] && break
  sleep 0.05
done
[[ $(ps -o stat= -p $pid) == T* ]] || die "the clone did not reach the failpoint"
bash "$here/rgw-ctl.sh" "$HANGAR_S3_ENV" stop
kill -CONT $pid
RC=0
wait $pid || RC=$?
failed 3 "object store endpoint .* is down" "clone (store stopped)"
[[ ! -e c ]] || die "a failed clone left its folder"

# fetch-data while the store is down: the repository is left as it was.
rsnap part part
fails 3 "object store endpoint .* is down" -C part fetch-data origin
runchanged part part

bash "$here/rgw-ctl.sh" "$HANGAR_S3_ENV" start
ok -C part fetch-data origin
ok -C part fsck
ok -C src export images "$T/want" --format npy
ok -C part export images "$T/got-part" --format npy
diff -r "$T/want" "$T/got-part" >/dev/null || die "fetch-data after the outage differs"
ok clone "$URL" c
ok -C c export images "$T/got-c" --format npy
diff -r "$T/want" "$T/got-c" >/dev/null || die "clone after the outage differs"
echo "ok"
