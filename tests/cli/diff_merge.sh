# diff / show / merge / log --graph: JSON shapes, exit codes (1 for conflicts and for diff
# findings with --exit-code), fast-forward, clean and conflicting merges (nothing written),
# --strategy theirs, revisions (HEAD~1, HEAD^2) in every REF.
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo
ok column create v --dtype uint8 --shape 2
make_npy a.npy '|u1' 2 0102
make_npy b.npy '|u1' 2 0304
make_npy c.npy '|u1' 2 0506
make_npy d.npy '|u1' 2 0709
for k in 1 2 3 4; do ok put v "$k" a.npy; done

# ---- diff ----
ok diff --json
jcheck '.from == null and .to == "staged" and .columns.v.added == [1,2,3,4]
        and .columns.v.deleted == [] and .schema.added == ["v"]' "staged diff on an unborn branch"
ok commit -m base --json
base=$(jget .commit)
ok diff --json
jq -e --arg b "$base" '.from == $b and .to == "staged" and .columns == {} and
  .schema == {"added": [], "deleted": [], "mutated": []}' "$OUT" >/dev/null || die "empty diff"
ok diff --exit-code
[[ ! -s $OUT ]] || die "an empty human diff prints nothing"

ok put v 5 b.npy
ok put v 1 b.npy
ok rm v 2
ok diff --json
jcheck '.columns.v == {"counts": {"added": 1, "deleted": 1, "mutated": 1}, "added": [5],
  "deleted": [2], "mutated": [1]}' "staged keys"
run diff --exit-code
[[ $RC -eq 1 ]] || die "diff --exit-code with changes exits 1, got $RC"
grep -q '^v: 1 added, 1 deleted, 1 mutated$' "$OUT" || die "human diff counts"
grep -q '^  ~ v/1$' "$OUT" || die "human diff lists mutated keys"
ok diff --summary --json
jcheck '.columns.v == {"counts": {"added": 1, "deleted": 1, "mutated": 1}}' "--summary counts"
ok diff --stat --json
# --stat adds a field and changes none: mutated stays an array of keys.
jcheck '.columns.v.mutated == [1] and .columns.v.counts.mutated == 1 and
  .columns.v.stats == [{"key": 1, "changed": 2, "max_abs_diff": 2}]' "--stat entries"
fails 2 "" diff --stat --summary
ok commit -m edit --json
c2=$(jget .commit)
ok diff "$base" "$c2" --json
jq -e --arg b "$base" --arg c "$c2" '.from == $b and .to == $c and
  .columns.v.added == [5] and .columns.v.deleted == [2] and .columns.v.mutated == [1]' \
  "$OUT" >/dev/null ||
  die "diff A B"
ok diff "$base" --json
jq -e --arg c "$c2" '.to == $c' "$OUT" >/dev/null || die "diff A compares with HEAD"
run diff "$base" --exit-code
[[ $RC -eq 1 ]] || die "diff A --exit-code exits 1, got $RC"
fails 3 "nope" diff nope

# ---- show ----
ok show "$c2" --json
jq -e --arg b "$base" --arg c "$c2" '.digest == $c and .parents == [$b] and .message == "edit"
  and .columns.v == {"added": 1, "deleted": 1, "mutated": 1}' "$OUT" >/dev/null || die "show"
ok show main
grep -q "^commit $c2$" "$OUT" || die "show names the commit"
grep -q 'v: 1 added, 1 deleted, 1 mutated' "$OUT" || die "show counts"

# ---- fast-forward and up-to-date ----
ok branch create ff
ok checkout ff
ok put v 6 c.npy
ok commit -m ff-work --json
cff=$(jget .commit)
ok checkout main
ok merge ff --json
jq -e --arg c "$cff" '. == {"result": "fast-forward", "commit": $c, "conflicts": [],
  "resolved": []}' "$OUT" >/dev/null || die "fast-forward"
ok merge ff --json
jq -e --arg c "$cff" '.result == "up-to-date" and .commit == $c' "$OUT" >/dev/null ||
  die "up-to-date"

# ---- clean three-way merge ----
ok branch create dev
ok put v 7 c.npy
ok commit -m main-work --json
cm=$(jget .commit)
ok checkout dev
ok put v 8 d.npy
ok commit -m dev-work --json
cd_=$(jget .commit)
ok checkout main
ok merge dev --json
jcheck '.result == "merged" and (.commit | length) == 64 and .conflicts == []' "clean merge"
merged=$(jget .commit)
ok log --json
jq -e --arg m "$merged" --arg a "$cm" --arg b "$cd_" '.[0].digest == $m and
  .[0].parents == [$a, $b]' "$OUT" >/dev/null || die "merge commit has two parents"
ok summary --json
jcheck '.columns[0].count == 7' "both sides' samples combined"
ok log --graph --decorate
grep -q '^\* ' "$OUT" || die "log --graph draws commits"
grep -q '^|\\$' "$OUT" || die "log --graph opens a lane at the merge"
grep -q '^|/$' "$OUT" || die "log --graph joins the lanes at the fork"
grep -q "${merged:0:12} (HEAD -> main) Merge branch 'dev' into 'main'" "$OUT" || die "log --graph subjects (decorated)"

# ---- revisions: ~N, ^N and chains wherever a REF is taken ----
# main: base <- edit <- ff-work <- main-work <- merge; dev: ff-work <- dev-work (merge's ^2).
ok log HEAD~1 -n 1 --json
jq -e --arg c "$cm" '.[0].digest == $c' "$OUT" >/dev/null || die "log HEAD~1"
ok diff HEAD~1 HEAD --json
jq -e --arg a "$cm" --arg m "$merged" '.from == $a and .to == $m and .columns.v.added == [8]' \
  "$OUT" >/dev/null || die "diff HEAD~1 HEAD"
ok show 'HEAD^2' --json
jq -e --arg c "$cd_" '.digest == $c' "$OUT" >/dev/null || die "show HEAD^2"
ok summary 'main^2~1' --json
jq -e --arg c "$cff" '.commit == $c' "$OUT" >/dev/null || die "summary main^2~1"
ok get v 7 --ref 'HEAD^1' --json
jcheck '.values == [5, 6]' "get --ref HEAD^1"
ok branch create before-merge 'HEAD^^' --json
jq -e --arg c "$cff" '.commit == $c' "$OUT" >/dev/null || die "branch create at HEAD^^"
ok branch delete before-merge
snapshot revs
fails 3 "'HEAD~5' goes past the first commit \(HEAD has 4 ancestors" log HEAD~5
fails 3 "'HEAD~1\^2' asks for parent 2 of commit ${cm:0:12} \(HEAD~1\), which has 1 parent" \
  show 'HEAD~1^2'
fails 3 "invalid revision 'HEAD~x'.*HEAD~2" diff HEAD~x
fails 3 "invalid revision '~1'" log '~1'
fails 3 "unknown revision 'nope' in 'nope~1'" get v 7 --ref nope~1
unchanged revs

# ---- conflicting merge: exit 1, nothing written ----
ok branch create topic
ok put v 1 c.npy
ok put v 3 d.npy
ok commit -m ours
ok checkout topic
ok put v 1 d.npy
ok rm v 3
ok commit -m theirs
ok checkout main
snapshot before
run merge topic --json
[[ $RC -eq 1 ]] || die "a conflicting merge exits 1, got $RC"
[[ ! -s $ERR ]] || die "conflicts are not errors"
jcheck '. == {"result": "conflict", "commit": null, "resolved": [], "conflicts": [
  {"column": "v", "key": 1, "kind": "both-modified"},
  {"column": "v", "key": 3, "kind": "modified-deleted"}]}' "conflict JSON"
unchanged before
run merge topic
[[ $RC -eq 1 ]] || die "a conflicting merge exits 1, got $RC"
grep -q '^CONFLICT (both-modified): v/1$' "$OUT" || die "human conflict lines"
grep -q 'nothing was written' "$OUT" || die "human conflict summary"
unchanged before

ok put v 9 a.npy
fails 3 "staged" merge topic
ok reset
fails 2 "" merge topic --strategy bogus
fails 3 "nope" merge nope

# ---- --strategy theirs ----
ok merge topic --strategy theirs -m "take theirs" --json
jcheck '.result == "merged" and (.resolved | length) == 2 and .conflicts == []' "strategy"
ok get v 1 --json
jcheck '.values == [7, 9]' "both-modified took theirs"
fails 3 "3" get v 3
ok get v 7 --json
jcheck '.values == [5, 6]' "ours' other samples stay"
ok log -n 1 --json
jcheck '.[0].message == "take theirs" and (.[0].parents | length) == 2' "merge message"
