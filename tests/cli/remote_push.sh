# push (fast-forward, non-fast-forward, --force), fetch and tokens (401/403), racing pushes,
# a read-only server: against a real 'hangar server'. Refused pushes change nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 20 base
printf '# tokens\nread rtok\nwrite wtok\n' >tokens
serve src --tokens tokens
S=$SERVER_PID

# Tokens: none / wrong is 401, read-only token pushing is 403, each with a hint.
fails 3 "401.*HANGAR_TOKEN" clone "$URL" a
[[ ! -e a ]] || die "a refused clone left a folder"
HANGAR_TOKEN=nope fails 3 "401.*not valid" clone "$URL" a
export HANGAR_TOKEN=rtok
ok clone "$URL" a
ok clone "$URL" b --no-data
random_npys more 3 16
ok -C a import small "$T/more"
ok -C a commit -m "a: small column" --json
ca=$(jget .commit)
rsnap srv src
rsnap a a
fails 3 "403.*write" -C a push origin
runchanged srv src
runchanged a a

export HANGAR_TOKEN=wtok
ok -C a push origin --json
jq -e --arg c "$ca" '.result == "fast-forward" and .new == $c and .chunks == 3' "$OUT" >/dev/null ||
  die "push --json"
ok -C src log --json
jq -e --arg c "$ca" '.[0].digest == $c' "$OUT" >/dev/null || die "the server has the pushed commit"
ok -C a push origin --json
jcheck '.result == "up-to-date" and .objects == 0' "a second push moves nothing"

# b: fetch sees it as origin/main; its own diverging commit cannot be pushed.
ok -C b fetch origin --json
jq -e --arg c "$ca" '.updated[0].name == "origin/main" and .updated[0].new == $c' "$OUT" \
  >/dev/null || die "fetch --json"
ok -C b summary origin/main --json
jcheck '[.columns[].name] == ["images", "small"]' "origin/main resolves after fetch"
random_npys other 2 16
ok -C b import other "$T/other"
ok -C b commit -m "b: diverges"
rsnap srv src
rsnap b b
fails 3 "fast-forward.*hangar fetch origin" -C b push origin
runchanged srv src
runchanged b b
ok -C b push origin --force --json
jcheck '.result == "forced"' "--force replaces the remote branch"

# a, left behind by the forced push, follows the hint: fetch, merge origin/main, push.
fails 3 "run 'hangar fetch origin' and merge 'origin/main' first" -C a push origin
ok -C a fetch origin
ok -C a merge origin/main --json
jcheck '.result == "merged"' "merge origin/main after a fetch"
ok -C a log -n 1 --json
jcheck ".[0].message == \"Merge 'origin/main' into 'main'\"" "the merge commit names origin/main"
ok -C a push origin --json
jcheck '.result == "fast-forward"' "the merge pushes as a fast-forward"

# Racing pushes from two clones at the same tip: exactly one wins.
ok clone "$URL" r1 --no-data
ok clone "$URL" r2 --no-data
random_npys race1 2 16
random_npys race2 2 8
ok -C r1 import race "$T/race1"
ok -C r1 commit -m r1
ok -C r2 import race "$T/race2"
ok -C r2 commit -m r2
set +e
"$HANGAR" -C r1 push origin >"$T/p1.out" 2>"$T/p1.err" &
p1=$!
"$HANGAR" -C r2 push origin >"$T/p2.out" 2>"$T/p2.err" &
p2=$!
wait $p1
rc1=$?
wait $p2
rc2=$?
set -e
(( (rc1 == 0 && rc2 == 3) || (rc1 == 3 && rc2 == 0) )) ||
  die "racing pushes exited $rc1 and $rc2; exactly one must win"
grep -hq "rejected" "$T/p1.err" "$T/p2.err" || die "the loser says it was rejected"

# A branch the remote does not have is created; then the server stops cleanly.
ok -C a branch create dev
ok -C a push origin dev --json
jcheck '.result == "created" and .branch == "dev"' "push of a new branch"
unserve "$S"

# A server without --tokens is read-only and says so.
serve src
ok -C a remote add ro "$URL"
rsnap srv src
fails 3 "read-only.*--tokens" -C a push ro main --force
runchanged srv src
unserve "$SERVER_PID"
