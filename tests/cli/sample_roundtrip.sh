# put / get / rm: .npy files come back byte-identical, PNG pixels come back exactly.
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo
ok column create m --dtype int16 --shape 2,3
ok column create img --dtype uint8 --shape 4,4,3
ok column create nest --dtype uint8 --shape 2 --nested

make_npy m1.npy '<i2' 2,3 0100ffff0300fcff0500a086   # [[1,-1,3],[-4,5,-31072]]
ok put m 7 m1.npy
ok put m "train/cat 01" m1.npy
ok get m 7 -o out.npy
cmp m1.npy out.npy || die ".npy round trip is not byte-identical"
ok get m 7
[[ $(head -1 "$OUT") == "int16 [2,3] (12 bytes)" ]] || die "get prints dtype, shape, size"
grep -qF '[[     1     -1      3]' "$OUT" || die "get prints values like numpy"
ok get m "train/cat 01" --json
jcheck '.key == "train/cat 01" and .values == [[1,-1,3],[-4,5,-31072]]' "string key, values"
ok get m 7 --json
jcheck '.key == 7 and .dtype == "int16" and .shape == [2,3] and .nbytes == 12' "int key"

make_png4 p.png
ok put img 0 p.png
ok get img 0 --json
jq -e --argjson px "$PNG4_PIXELS" '.values == $px' "$OUT" >/dev/null || die "PNG pixels"
ok get img 0 -o back.png
ok put img 1 back.png
ok get img 1 --json
jq -e --argjson px "$PNG4_PIXELS" '.values == $px' "$OUT" >/dev/null || die "re-read PNG pixels"
ok get img 0 -o img0.npy
ok get img 1 -o img1.npy
cmp img0.npy img1.npy || die "PNG round trip changed pixels"

make_npy n.npy '|u1' 2 0a0b
ok put nest s1 n.npy --subkey 0
ok get nest s1 --subkey 0 --json
jcheck '.subkey == 0 and .values == [10,11]' "nested get"

ok commit -m "samples" --json
c1=$(jget .commit)
ok rm m 7 "train/cat 01" --json
jcheck '.column == "m" and .removed == [7, "train/cat 01"]' "rm --json"
ok status --json
jcheck '.staged.m.deleted == 2' "rm is staged"
fails 3 "7" get m 7
ok get m 7 --ref "$c1" -o old.npy
cmp m1.npy old.npy || die "get --ref reads the committed sample"
ok commit -m "removed"
fails 3 "7" rm m 7
ok put m 7 m1.npy
ok commit -m "back"
ok summary --json
jcheck '.columns[] | select(.name == "m") | .count == 1 and .nbytes == 12' "summary counts"
