# A disk-backed server stores a push's chunks as they arrive (verified, in batches), before the
# push moves its branch, and holds a chunk lease meanwhile. A push refused after its chunks were
# stored leaves its branch and history as they were; its chunks stay unreferenced and the next
# gc drops them. While a push is being received (the server stopped between two batches:
# HANGAR_FAILPOINT=push-batch-stored:stop) gc in the served repository refuses to run and
# changes nothing (a dry run refuses too: it says what gc would do); let go, the push completes
# and gc then keeps every chunk it brought.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 20 base
printf 'write w\n' >tokens
serve src --tokens tokens
S=$SERVER_PID
export HANGAR_TOKEN=w
ok clone "$URL" c
# 300 incompressible 64x64x3 samples: 3.7 MB, so the server stores them in more than one batch.
random_npys big 300 64
ok -C c import big "$T/big"
ok -C c commit -m big --json
big=$(jget .commit)

# Refused after its chunks were stored: the served checkout has staged changes.
random_npys one 1 16
ok -C src import staged "$T/one"
rsnap srv src
fails 3 "checked out in the served repository, which has staged changes" -C c push origin
runchanged srv src
ok -C src gc --json
jcheck '.chunks == 300' "gc drops the 300 chunks the refused push stored"
runchanged srv src
ok -C src reset
ok -C src gc --json
jcheck '.chunks == 1' "gc drops the chunk of the staged sample that was reset"
unserve "$S"

# gc while a push is being received.
HANGAR_FAILPOINT=push-batch-stored:stop serve src --tokens tokens
S=$SERVER_PID
ok -C c remote set-url origin "$URL"
start -C c push origin --json
await "the server to stop after a stored batch" is_stopped "$S"
rsnap srv src
fails 3 "a push into repository '.*src' is being received.*retry gc when it finishes" -C src gc
fails 3 "is being received" -C src gc --dry-run
runchanged srv src
for ((i = 0; i < 500; i++)); do  # the server stops after each batch
  kill -0 "$BG_PID" 2>/dev/null || break
  is_stopped "$S" && kill -CONT "$S"
  sleep 0.02
done
reap
[[ $RC -eq 0 ]] || die "the push held up by the failpoint exited $RC: $(cat "$ERR")"
jcheck '.result == "fast-forward" and .chunks == 300' "the push stored the 300 chunks again"
ok -C src log -n 1 --json
jq -e --arg c "$big" '.[0].digest == $c' "$OUT" >/dev/null || die "the server's main is not at $big"
ok -C src gc --json
jcheck '.chunks == 0' "gc keeps every chunk of the applied push"
ok -C src fsck --rehash
unserve "$S"
