# column create / list / info / delete, their JSON, and their usage errors.
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo

ok column create images --dtype uint8 --shape 64,64,3 --json
jcheck '.name == "images" and .dtype == "uint8" and .shape == [64,64,3] and
        .variable_shape == false and .layout == "flat" and .backend == "auto"' "create --json"
ok column create labels --dtype int64 --shape scalar
ok column create crops --dtype float32 --shape "[32, 32]" --variable-shape --nested \
  --backend lmdb --level 7
ok column create masks --dtype bool --shape 8,8 --backend hdf5
ok column list --json
jcheck '[.[].name] == ["crops","images","labels","masks"]' "list is sorted by name"
jcheck 'all(.[]; has("count") and has("nbytes") and .count == 0)' "list has count and nbytes"
ok column info crops --json
jcheck '.name == "crops" and .dtype == "float32" and .shape == [32,32] and
        .variable_shape == true and .layout == "nested" and .backend == "lmdb" and
        .compression_level == 7 and .count == 0 and .nbytes == 0' "info --json"
ok column info labels --json
jcheck '.shape == [] and .dtype == "int64"' "scalar column"
ok column list
[[ $(wc -l <"$OUT") -eq 4 ]] || die "human list: one line per column"

ok commit -m "columns"
snapshot before
fails 2 "dtype" column create x --dtype complex64 --shape 3
fails 2 "dtype" column create x --shape 3
fails 2 "shape" column create x --dtype uint8 --shape 3,,4
fails 2 "backend" column create x --dtype uint8 --shape 3 --backend s3
fails 2 "level" column create x --dtype uint8 --shape 3 --level 99
fails 2 "" column
fails 2 "" column frobnicate
fails 3 "images" column create images --dtype uint8 --shape 3
fails 3 "name|column" column create "bad/name" --dtype uint8 --shape 3
fails 3 "nope" column info nope
fails 3 "nope" column delete nope
unchanged before

ok column delete masks --json
jcheck '.column == "masks"' "delete --json"
ok status --json
jcheck '.columns_deleted == ["masks"]' "deletion is staged"
ok column list --json
jcheck '[.[].name] == ["crops","images","labels"]' "deleted column is gone from the staged view"
ok column list --ref main --json
jcheck '[.[].name] == ["crops","images","labels","masks"]' "still in the commit"
ok commit -m "drop masks"
ok column list --json
jcheck 'length == 3' "after commit"
