# Bad input: each case prints one 'hangar: error:' line, exits 3 (2 for usage errors), and
# leaves the repository exactly as it was.
source "$(dirname "$0")/lib.sh" "$1"

mkdir outside
fails 3 "repositor" -C outside status
fails 3 "repositor" -C outside put img 0 x.npy
fails 3 "no-such-dir" -C no-such-dir status

ok init repo --user-name t --user-email t@example.org
cd repo
ok column create img --dtype uint8 --shape 4,4,3
ok column create vec --dtype float32 --shape 3
make_png4 good.png
make_npy good.npy '<f4' 3 0000803f0000004000004040
ok put img 0 good.png
ok put vec 0 good.npy
ok commit -m base
ok put vec 1 good.npy   # some staged work, which must survive every failure below
snapshot s

# Files that are not what they claim.
head -c 60 good.png >trunc.png
fails 3 "trunc.png" put img 1 trunc.png
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb garbage' \
  >bad.jpg
fails 3 "bad.jpg" put img 1 bad.jpg
head -c 70 good.npy >trunc.npy
fails 3 "trunc.npy" put vec 1 trunc.npy
head -c 40 good.npy >trunc_header.npy
fails 3 "trunc_header.npy" put vec 1 trunc_header.npy
make_npy huge.npy '|u1' 1152921504606846976 00010203   # claims 2^60 elements
fails 3 "huge.npy" put vec 1 huge.npy
make_npy huge2.npy '<f4' 1073741824,1073741824,1073741824 00   # product overflows 64 bits
fails 3 "huge2.npy" put vec 1 huge2.npy
printf 'not an image\n' >notes.txt
fails 3 "notes.txt" put vec 1 notes.txt
fails 3 "missing.npy" put vec 1 missing.npy
unchanged s

# A folder with one bad file imports nothing.
mkdir -p tree/a tree/b
make_png4 tree/a/0.png
cp trunc.png tree/b/1.png
fails 3 "1.png" import img2 tree --labels lab
fails 3 "missing-folder" import img2 missing-folder
unchanged s

# Samples that do not fit their column, and keys that could escape an export folder.
make_npy ints.npy '<i4' 3 010000000200000003000000
fails 3 "vec.*float32.*int32|int32.*float32" put vec 2 ints.npy
make_npy long.npy '<f4' 4 0000803f0000004000004040000080bf
fails 3 "vec.*\[3\].*\[4\]|\[4\].*\[3\]" put vec 2 long.npy
fails 3 "\.\." put vec ../evil good.npy
fails 3 "\.\." put vec a/../../evil good.npy
fails 3 "\.\." rm vec ../evil
fails 3 "nope" put nope 0 good.npy
fails 3 "999" rm vec 0 999
fails 3 "nope" get vec nope
fails 3 "subkey|nested|flat" get vec 0 --subkey 1
unchanged s

# Refs that do not exist.
fails 3 "nope" checkout nope
fails 3 "nope" summary nope
fails 3 "nope" log nope
fails 3 "nope" export vec out --ref nope
fails 3 "column" export nope out
unchanged s

# Usage errors exit 2.
fails 2 "" frobnicate
fails 2 "" put vec 1
fails 2 "dtype" column create z --dtype complex64 --shape 2
fails 2 "shape" column create z --dtype uint8 --shape x
fails 2 "format" export vec out --format gif
fails 2 "" log -n 0
fails 2 "" import img2 tree --jobs 0
fails 2 "" commit
fails 2 "" status --bogus
run
[[ $RC -eq 0 ]] || die "no command prints the usage and succeeds (tests/cli/usage_help.sh)"
unchanged s

# Nothing staged: commit refuses.
ok reset
snapshot clean
fails 3 "nothing to commit" commit -m empty
unchanged clean
