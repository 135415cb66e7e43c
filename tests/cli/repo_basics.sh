# init, status, column create, put, commit, log, summary, reset: the everyday loop and its JSON.
source "$(dirname "$0")/lib.sh" "$1"

ok --version
[[ $(cat "$OUT") == "hangar 0.1.0" ]] || die "--version prints 'hangar 0.1.0'"
ok --help
grep -q "import" "$OUT" || die "--help lists the commands"
ok commit --help

ok init repo --user-name "Ada Lovelace" --user-email ada@example.org --json
jcheck '.path | endswith("/repo")' "init --json gives the path"
[[ -d repo/.hangar ]] || die "init creates repo/.hangar"
fails 3 "already" init repo
cd repo

ok status --json
jcheck '.branch == "main" and .head == null and .staged == {} and .columns_added == []
        and .columns_deleted == []' "status of a new repository"
ok status
grep -q "nothing to commit" "$OUT" || die "status says nothing to commit"
ok log --json
jcheck '. == []' "log of a new repository is empty"
ok summary --json
jcheck '.commit == null and .columns == []' "summary of a new repository"

ok column create vec --dtype float32 --shape 3
make_npy a.npy '<f4' 3 0000803f0000004000004040   # [1, 2, 3]
make_npy b.npy '<f4' 3 000080400000a0400000c040   # [4, 5, 6]
ok put vec 0 a.npy
ok put vec 1 b.npy --json
jcheck '.column == "vec" and .key == 1 and .dtype == "float32" and .shape == [3]
        and .nbytes == 12' "put --json"
ok status --json
jcheck '.staged.vec.added == 2 and .staged.vec.deleted == 0 and .columns_added == ["vec"]'

ok commit -m "first vectors" --json
jcheck '(.commit | test("^[0-9a-f]{64}$")) and .branch == "main"' "commit --json"
first=$(jget .commit)
ok status --json
jq -e --arg c "$first" '.head == $c and .staged == {}' "$OUT" >/dev/null || die "clean after commit"

ok rm vec 0
ok put vec 2 a.npy
ok commit -m "second"$'\n\n'"with a body"
grep -Eq '^\[main [0-9a-f]{12}\] second$' "$OUT" || die "human commit line"
ok log --json
jcheck 'length == 2' "two commits"
jcheck '.[0] | keys_unsorted == ["digest","parents","author","email","time","message"]' \
  "log entry keys in order"
jcheck '.[0].message == "second\n\nwith a body" and .[1].message == "first vectors"' "newest first"
jq -e --arg c "$first" '.[0].parents == [$c] and .[1].parents == []' "$OUT" >/dev/null ||
  die "parents"
jcheck 'all(.[]; .author == "Ada Lovelace" and .email == "ada@example.org")' "author"
jcheck 'all(.[]; .time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))' "time"
ok log -n 1 --json
jcheck 'length == 1 and .[0].message == "second\n\nwith a body"' "log -n 1"
ok log "${first:0:8}" --json
jcheck 'length == 1' "log from an abbreviated digest"
# SHA-256 digests: 64 hex characters; any prefix of 6 or more names the commit, the whole
# digest too, one character more names nothing.
[[ ${#first} -eq 64 ]] || die "a commit digest has 64 hex characters, got ${#first}"
for n in 6 33 64; do
  ok log "${first:0:$n}" --json
  jcheck 'length == 1' "log from a $n-character prefix"
done
fails 3 "unknown revision" log "${first}0"
ok log
[[ $(wc -l <"$OUT") -eq 2 ]] || die "human log: one line per commit"

ok summary --json
jcheck '.columns | length == 1' "one column"
jcheck '.columns[0] | keys_unsorted == ["name","dtype","shape","variable_shape","layout","count",
        "nbytes","local_count","local_nbytes"]' "summary column keys"
jcheck '.columns[0] | .name == "vec" and .dtype == "float32" and .shape == [3] and
        .variable_shape == false and .layout == "flat" and .count == 2 and .nbytes == 24 and
        .local_count == 2 and .local_nbytes == 24' "summary values"
ok summary "$first" --json
jq -e --arg c "$first" '.commit == $c and .columns[0].count == 2' "$OUT" >/dev/null ||
  die "summary REF"
ok summary
grep -q "^vec " "$OUT" || die "human summary lists the column"

# reset drops staged work only.
ok rm vec 1
ok reset --json
ok status --json
jcheck '.staged == {}' "reset clears the staging area"
ok get vec 1 --json
jcheck '.values == [4,5,6]' "reset keeps committed data"

# -C runs as if started elsewhere.
cd "$T"
ok -C repo status --json
jcheck '.branch == "main"' "-C DIR"
ok status -C repo --json
