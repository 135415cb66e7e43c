# branch list / create / delete and checkout, with their JSON and errors.
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo
ok branch --json
jcheck '. == []' "no branches before the first commit"
ok column create v --dtype uint8 --shape 2
make_npy a.npy '|u1' 2 0102
make_npy b.npy '|u1' 2 0304
ok put v 0 a.npy
ok commit -m one --json
c1=$(jget .commit)

ok branch create dev --json
jq -e --arg c "$c1" '.name == "dev" and .commit == $c' "$OUT" >/dev/null || die "create --json"
ok branch list --json
jq -e --arg c "$c1" '. == [{"name":"dev","commit":$c,"current":false,"remote":false},
                           {"name":"main","commit":$c,"current":true,"remote":false}]' "$OUT" \
  >/dev/null ||
  die "branch list --json"
ok branch
grep -q '^\* main' "$OUT" || die "human list marks the current branch"

ok checkout dev --json
jq -e --arg c "$c1" '.branch == "dev" and .head == $c' "$OUT" >/dev/null || die "checkout --json"
ok put v 1 b.npy
fails 3 "stage|commit|reset" checkout main
ok commit -m two --json
c2=$(jget .commit)
ok status --json
jq -e --arg c "$c2" '.branch == "dev" and .head == $c' "$OUT" >/dev/null || die "on dev"
ok checkout main
ok summary --json
jcheck '.columns[0].count == 1' "main does not see dev's sample"
ok summary dev --json
jcheck '.columns[0].count == 2' "summary REF of a branch"
ok branch create old "$c1"
ok branch create tip dev
ok branch list --json
jq -e --arg c "$c2" '[.[] | select(.name == "tip") | .commit] == [$c]' "$OUT" >/dev/null ||
  die "create at START"

snapshot before
fails 3 "nope" checkout nope
fails 3 "main|current" branch delete main
fails 3 "exist" branch create dev
fails 3 "branch|name" branch create "bad..name"
fails 3 "nope" branch delete nope
fails 2 "" branch delete
fails 2 "" checkout
fails 2 "only 'hangar branch list' takes it" branch --all create x
unchanged before

ok branch delete old --json
jq -e --arg c "$c1" '.name == "old" and .commit == $c' "$OUT" >/dev/null || die "delete --json"
ok branch delete tip
ok branch delete dev --force
ok branch list --json
jcheck '[.[].name] == ["main"]' "deleted branches are gone"

# The human list is a table: the commits in one column, whatever the names' lengths.
ok branch create a-much-longer-name
ok branch
[[ $(wc -l <"$OUT") -eq 2 ]] || die "branch lists two branches: $(cat "$OUT")"
awk '{ i = index($0, $NF); if (p && i != p) exit 1; p = i }' "$OUT" ||
  die "branch lists its commits in one column: $(cat "$OUT")"
