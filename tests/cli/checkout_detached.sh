# checkout -b NEW [START], branch NAME [START], checkout of a branch only a remote has, and a
# detached (read-only) checkout of any revision.
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo
ok column create v --dtype uint8 --shape 2
make_npy a.npy '|u1' 2 0102
make_npy b.npy '|u1' 2 0304
ok put v 0 a.npy
ok commit -m one --json
c1=$(jget .commit)
ok put v 1 b.npy
ok commit -m two --json
c2=$(jget .commit)

# branch NAME [START]: the shorthand of 'branch create'.
ok branch short
[[ $(cat "$OUT") == "created branch short at ${c2:0:12}" ]] || die "branch NAME output"
ok branch old HEAD~1 --json
jq -e --arg c "$c1" '.name == "old" and .commit == $c' "$OUT" >/dev/null || die "branch NAME START"
ok branch list --json
jcheck '[.[].name] == ["main","old","short"]' "branch list after the shorthand"
fails 3 "already exists" branch short
fails 2 "only 'hangar branch list' takes it" branch --all x
fails 2 "" branch delete x y z

# checkout -b NEW [START]
ok checkout -b feat
[[ $(cat "$OUT") == "switched to a new branch feat (${c2:0:12})" ]] || die "checkout -b output"
ok status --json
jcheck '.branch == "feat"' "on feat"
ok checkout -b fromold old --json
jq -e --arg c "$c1" '.branch == "fromold" and .head == $c' "$OUT" >/dev/null ||
  die "checkout -b NEW START --json"
fails 3 "already exists" checkout -b feat
# Staged work goes along to a new branch at HEAD, not to one elsewhere (nothing is created).
ok checkout main
ok put v 2 a.npy
ok checkout -b carry
ok status --json
jcheck '.branch == "carry" and .staged.v.added == 1' "staged work goes with checkout -b"
fails 3 "staged changes" checkout -b elsewhere old
ok branch list --json
jcheck '[.[].name] | index("elsewhere") == null' "a refused checkout -b leaves no branch"
ok reset
fails 2 "BRANCH \\(or -b NEW\\)" checkout

# A detached checkout of any revision: read-only.
ok checkout HEAD~1
[[ $(cat "$OUT") == "HEAD detached at ${c1:0:12}"* ]] || die "detached output"
ok status --json
jq -e --arg c "$c1" '.branch == null and .detached == true and .head == $c' "$OUT" >/dev/null ||
  die "status --json when detached"
ok status
grep -q "^HEAD detached at ${c1:0:12}" "$OUT" || die "status says detached"
ok summary --json
jcheck '.columns[0].count == 1' "the detached view is the commit's"
ok log --json
jcheck 'length == 1' "log from the detached HEAD"
ok branch list --json
jcheck 'all(.[]; .current == false)' "no branch is current when detached"
ok put v 5 b.npy
snapshot detached
fails 3 "HEAD is detached at ${c1:0:12}.*checkout -b NEW" commit -m nope
fails 3 "HEAD is detached.*checkout -b NEW" merge feat
unchanged detached
# checkout -b from the detached HEAD keeps the staged sample and commits on the new branch.
ok checkout -b rescue
ok commit -m rescued --json
jcheck '.branch == "rescue"'
ok checkout "$c2" --json
jq -e --arg c "$c2" '.branch == null and .detached == true and .head == $c' "$OUT" >/dev/null ||
  die "checkout COMMIT --json"
ok checkout main --json
jq -e --arg c "$c2" '.branch == "main" and .head == $c and (has("detached") | not)' "$OUT" \
  >/dev/null || die "back on a branch"
fails 3 "no branch 'nope'" checkout nope

# checkout B where only origin/B exists creates B from it.
cd "$T"
ok clone repo copy
cd copy
ok branch list --json
jcheck '[.[].name] == ["main"]' "a clone has only its branch"
ok checkout feat
[[ $(cat "$OUT") == "created branch feat from origin/feat; switched to branch feat (${c2:0:12})" ]] ||
  die "tracking checkout output"
ok branch list --json
jq -e --arg c "$c2" '[.[] | select(.name == "feat") | .current, .commit] == [true, $c]' "$OUT" \
  >/dev/null || die "feat created from origin/feat"
# The same name on two remotes is ambiguous.
ok remote add second "$T/repo"
ok fetch second
fails 3 "'old' matches several remote-tracking branches \\(origin/old, second/old\\)" checkout old
ok checkout -b old origin/old
# origin/NAME itself is a revision: detached.
ok checkout origin/main --json
jcheck '.detached == true'
echo "checkout_detached: ok"
