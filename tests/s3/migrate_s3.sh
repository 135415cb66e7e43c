# A repository that holds chunks on its own disk, then served with --store (decision
# 0019): the server refuses to start, saying to run it with --migrate; --migrate uploads the
# local chunks the store lacks (a run killed, or stopped by SIGTERM, between a pack and the
# manifest is finished by the next), then serves; clones, the serverless s3:// clone and later
# pushes get every byte; local work beside it is caught at the next start and migrated alone;
# unreachable local chunks are left alone.
# Usage: bash tests/s3/migrate_s3.sh /path/to/hangar
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
source "$here/s3_lib.sh"

PREFIX=$(s3_prefix migrate)
STORE=s3://$HANGAR_S3_BUCKET/$PREFIX
EP=$HANGAR_S3_ENDPOINT

# A repository served before without --store, and pushed to then.
ok init src --user-name t --user-email t@example.org
random_npys npys 20
ok -C src import images "$T/npys"
ok -C src commit -m base
printf 'read rtok\nwrite wtok\n' >tokens
serve src --tokens tokens
export HANGAR_TOKEN=wtok
ok clone "$URL" w
random_npys more 4 16
ok -C w import small "$T/more"
ok -C w commit -m "small column"
ok -C w push origin
unserve "$SERVER_PID"
ok -C w export images "$T/want" --format npy
ok -C w export small "$T/want-small" --format npy

# With --store: refused, one line that says what to run.
set +e
timeout 60 "$HANGAR" server src --port 0 --tokens tokens --store "$STORE" --s3-endpoint "$EP" \
  >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 3 "holds 24 chunks on its own disk that $STORE/ at $EP lacks .*start it once with --migrate" \
  "server --store (local chunks)"
fails 2 "need --store" server src --migrate

# --migrate killed after its pack is in the bucket, before the manifest names it.
set +e
HANGAR_FAILPOINT=store-migrate-uploaded timeout 60 "$HANGAR" server src --port 0 --tokens tokens \
  --store "$STORE" --s3-endpoint "$EP" --migrate >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
[[ $RC -eq 86 ]] || die "the migration did not die at its failpoint (exit $RC): $(cat "$ERR")"
set +e
timeout 60 "$HANGAR" server src --port 0 --tokens tokens --store "$STORE" --s3-endpoint "$EP" \
  >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 3 "holds 24 chunks .*--migrate" "server --store after a killed migration"

# --migrate stopped by SIGTERM while it uploads (the server is not serving yet): it stops with
# one line, exit 143, and the next run finishes the job.
HANGAR_FAILPOINT=store-migrate-uploaded:stop "$HANGAR" server src --port 0 --tokens tokens \
  --store "$STORE" --s3-endpoint "$EP" --migrate >"$OUT" 2>"$ERR" </dev/null &
pid=$!
for ((i = 0; i < 400; i++)); do
  [[ $(ps -o stat= -p $pid 2>/dev/null) == T* ]] && break
  sleep 0.05
done
[[ $(ps -o stat= -p $pid) == T* ]] || die "the migration did not stop at its failpoint"
kill -TERM $pid
kill -CONT $pid
RC=0
timeout 30 tail --pid=$pid -f /dev/null || die "SIGTERM did not stop the migration"
wait $pid || RC=$?
failed 143 "interrupted" "server --migrate (SIGTERM)"

# --migrate again: finishes, then serves.
serve src --tokens tokens --store "$STORE" --s3-endpoint "$EP" --migrate
grep -q "^migrated 24 local chunks ([0-9]* bytes, 1 pack) into $STORE$" "$SERVER_LOG" ||
  die "server says what it migrated: $(cat "$SERVER_LOG")"
grep -qF "chunk data in $STORE/ at $EP" "$SERVER_LOG" || die "then it serves from the store"
export HANGAR_TOKEN=rtok
ok clone "$URL" c1
ok -C c1 export images "$T/got" --format npy
ok -C c1 export small "$T/got-small" --format npy
diff -r "$T/want" "$T/got" >/dev/null || die "clone after the migration differs"
diff -r "$T/want-small" "$T/got-small" >/dev/null || die "clone after the migration differs (small)"
ok clone "$URL" lazy --lazy
ok -C lazy get images 0011 -o "$T/lazy.npy"
cmp -s "$T/lazy.npy" "$T/npys/0011.npy" || die "lazy read after the migration differs"
# The bucket alone: the history from before the store was published too.
AWS_ENDPOINT_URL=$EP ok clone "$STORE" s3c
ok -C s3c export images "$T/got-s3" --format npy
diff -r "$T/want" "$T/got-s3" >/dev/null || die "s3:// clone after the migration differs"
ok -C s3c log --json
jcheck 'length == 2' "the s3:// clone has the whole history"
# A push through the store, beside the migrated chunks.
export HANGAR_TOKEN=wtok
random_npys third 3 8
ok -C c1 import tiny "$T/third"
ok -C c1 commit -m tiny
ok -C c1 push origin --json
jcheck '.result == "fast-forward" and .chunks == 3' "push after the migration"
unserve "$SERVER_PID"

# Nothing left to migrate: starts without --migrate. A local chunk no commit names (put, then
# reset: the local gc's to delete) is no reason to refuse.
make_npy "$T/junk.npy" '|u1' "32,32,3" "$(patternhex 3072 99)"
ok -C src put images junk0 "$T/junk.npy"
ok -C src reset
serve src --tokens tokens --store "$STORE" --s3-endpoint "$EP"
unserve "$SERVER_PID"
# Local work beside the server: caught at the next start, and only it is uploaded.
random_npys local 2 12
ok -C src import local "$T/local"
ok -C src commit -m "local work"
set +e
timeout 60 "$HANGAR" server src --port 0 --tokens tokens --store "$STORE" --s3-endpoint "$EP" \
  >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 3 "holds 2 chunks on its own disk" "server --store (local work since)"
serve src --tokens tokens --store "$STORE" --s3-endpoint "$EP" --migrate
grep -q "^migrated 2 local chunks" "$SERVER_LOG" || die "only the new chunks: $(cat "$SERVER_LOG")"
export HANGAR_TOKEN=rtok
ok clone "$URL" c2
ok -C c2 export local "$T/got-local" --format npy
ok -C src export local "$T/want-local" --format npy
diff -r "$T/want-local" "$T/got-local" >/dev/null || die "migrated local work differs"
ok -C c2 export tiny "$T/got-tiny" --format npy
ok -C c1 export tiny "$T/want-tiny" --format npy
diff -r "$T/want-tiny" "$T/got-tiny" >/dev/null || die "pushed data differs"
echo "migrate_s3: ok"
