# Human output: large tensors print summarised like numpy, tables are aligned
# (column list, column info, remote list), import names the files it leaves out and hints
# --variable-shape on a size mismatch, JSON class names are an array.
source "$(dirname "$0")/lib.sh" "$1"
PY=/usr/bin/python3
"$PY" -c 'import numpy' 2>/dev/null || die "no /usr/bin/python3 with numpy (scripts/setup.sh)"

ok init repo --user-name t --user-email t@example.org
cd repo

# --- get: up to 1000 elements in full, more summarised exactly as numpy prints them.
"$PY" - <<'PYTHON'
import numpy as np
np.save("../big2.npy", np.arange(2000, dtype=np.uint16).reshape(40, 50))
np.save("../big3.npy", np.arange(8000, dtype=np.int32).reshape(20, 20, 20))
np.save("../vec.npy", np.arange(1001, dtype=np.int64) * 7)
np.save("../full.npy", np.arange(1000, dtype=np.uint16).reshape(10, 100))
PYTHON
ok column create big2 --dtype uint16 --shape 40,50
ok column create big3 --dtype int32 --shape 20,20,20
ok column create vec --dtype int64 --shape 1001
ok column create full --dtype uint16 --shape 10,100
for name in big2 big3 vec full; do
  ok put "$name" 0 "../$name.npy"
  ok get "$name" 0
  tail -n +2 "$OUT" >"../$name.hangar"
  "$PY" -c "import numpy as np, sys
np.set_printoptions(linewidth=sys.maxsize)
print(np.load('../$name.npy'))" >"../$name.numpy"
  cmp -s "../$name.hangar" "../$name.numpy" ||
    die "get $name differs from numpy: $(diff "../$name.numpy" "../$name.hangar" | head -20)"
done
grep -q '\.\.\.' ../big3.hangar || die "a large tensor is summarised"
! grep -q '\.\.\.' ../full.hangar || die "1000 elements print in full"
ok get big2 0
head -1 "$OUT" | grep -qx 'uint16 \[40,50\] (4000 bytes)' || die "get header"

# --- tables: column list and column info are aligned.
ok column list
grep -qx 'big2  uint16  \[40,50\]     flat  1 sample  3.9 KiB' "$OUT" || die "column list row"
awk '{ print index($0, "flat") }' "$OUT" | sort -u | wc -l | grep -qx 1 ||
  die "column list: the layout column is aligned: $(cat "$OUT")"
ok column info big2
grep -qx 'dtype:           uint16' "$OUT" || die "column info aligned"
ok commit -m big

# --- import: files without an image or .npy extension are counted and named.
mkdir -p ../in/cat ../in/dog
for c in cat dog; do make_npy "../in/$c/a.npy" '|u1' 2 0102; done
make_npy ../in/dog/b.npy '|u1' 2 0304
for f in notes.txt cat/readme.md dog/x.csv dog/y.csv dog/z.csv dog/w.csv; do echo x >"../in/$f"; done
ok import pics ../in --labels label
grep -qx "staged 3 files into pics (6 B decoded, [0-9]* new chunks\?)" "$OUT" || die "import report"
grep -Eqx "ignored 6 files without a .png, .jpg, .jpeg or .npy extension: ('[a-z/]+\.[a-z]+'(, )?){5} and 1 more" \
  "$OUT" || die "ignored files named: $(cat "$OUT")"
grep -qx "labels in label: 2 classes (0=cat, 1=dog)" "$OUT" || die "labels report"
ok import pics2 ../in --labels label2 --json
jcheck '.ignored == 6 and (.ignored_examples | length) == 5 and .skipped == 0' "import --json ignored"
ok column info label --json
jcheck '.attributes.classes == ["cat", "dog"]' "class names are an array"

# A file of another size in a fixed-shape column: the error says how to make a variable one.
mkdir ../sizes
make_npy ../sizes/a.npy '|u1' 2 0102
make_npy ../sizes/b.npy '|u1' 3 010203
fails 3 "cannot import '.*sizes/b.npy': column 'sz' expects uint8 \\[2\\], got uint8 \\[3\\].*'hangar column create sz --dtype uint8 --shape LARGEST --variable-shape' before the import" \
  import sz ../sizes
ok column create sz --dtype uint8 --shape 3 --variable-shape
ok import sz ../sizes
