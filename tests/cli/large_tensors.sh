# Large tensors at chunk level: an hdf5 column, get --slice, put --region, and merges of two
# branches that edit different chunks (clean) or the same chunk (conflict naming the region).
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo
# uint8 [2200,2000] (4.4 MB): cut into 8 blocks of [550,1000].
ok column create vol --dtype uint8 --shape 2200,2000 --backend hdf5
make_npy big.npy '|u1' 2200,2000 ''
head -c 4400000 < <(seq 1 2000000) >>big.npy
ok put vol 0 big.npy
ok commit -m base
ls .hangar/chunks/hdf5/pack-*.h5 >/dev/null 2>&1 || die "hdf5 column wrote no pack file"

# Slices: numpy semantics, a plain index drops the dimension.
byte() { od -An -tu1 -j "$1" -N1 <(seq 1 2000000 | head -c 4400000) | tr -d ' '; }
ok get vol 0 --slice "0:2,0:3" --json
row1="$(byte 2000),$(byte 2001),$(byte 2002)"
jcheck ".shape == [2,3] and .slice == \"0:2,0:3\" and .values == [[49,10,50],[$row1]]" \
  "get --slice values"
ok get vol 0 --slice "-1,::1000" --json
jcheck '.shape == [2]' "an index drops a dimension"
fails 2 'slice' get vol 0 --slice "1:2:0"
fails 3 'out of bounds' get vol 0 --slice "2200"

# Region writes re-store only the chunks they touch.
make_npy patch.npy '|u1' 2,2 01020304
ok put vol 0 patch.npy --region 1000,1500 --json
jcheck '.region == [1000,1500]' "put --region JSON"
ok get vol 0 --slice "1000:1002,1500:1502" --json
jcheck '.values == [[1,2],[3,4]]' "region written"
fails 3 'outside the sample' put vol 0 patch.npy --region 2199,0
fails 2 'region' put vol 0 patch.npy --region x
ok commit -m region

# Two branches edit different chunks of the same sample: a clean merge.
ok branch create dev
make_npy a.npy '|u1' 1,1 aa
make_npy b.npy '|u1' 1,1 bb
ok put vol 0 a.npy --region 0,0
ok commit -m "main edits block 0"
ok checkout dev
ok put vol 0 b.npy --region 2100,1900
ok commit -m "dev edits block 7"
ok checkout main
ok merge dev --json
jcheck '.result == "merged" and .conflicts == []' "chunk-level merge is clean"
ok get vol 0 --slice "0,0" --json
jcheck '.values == 170' "ours kept"
ok get vol 0 --slice "2100,1900" --json
jcheck '.values == 187' "theirs merged"

# The same chunk changed on both sides: a conflict naming the sample and the region.
ok branch create other
make_npy c.npy '|u1' 1,1 cc
make_npy d.npy '|u1' 1,1 dd
ok put vol 0 c.npy --region 10,10
ok commit -m "main edits block 0 again"
ok checkout other
ok put vol 0 d.npy --region 20,20
ok commit -m "other edits block 0"
ok checkout main
run merge other --json
[[ $RC -eq 1 ]] || die "a conflicting merge exits 1, got $RC"
jcheck '.result == "conflict" and (.conflicts | length) == 1 and .conflicts[0].key == 0 and
  .conflicts[0].kind == "both-modified" and .conflicts[0].region.origin == [0,0] and
  .conflicts[0].region.extent == [550,1000]' "conflict names the region"
run merge other
[[ $RC -eq 1 ]] || die "a conflicting merge exits 1"
grep -q "CONFLICT (both-modified): vol/0 in region \[550,1000\] at \[0,0\]" "$OUT" ||
  die "conflict text names the region"
