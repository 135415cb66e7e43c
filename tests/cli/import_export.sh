# import a class-folder tree with --labels, commit, export to PNG and .npy, and get identical
# files and pixels back. Also: no progress output when stdout is not a terminal.
source "$(dirname "$0")/lib.sh" "$1"

make_image_tree photos "cat dog owl" 4 8
[[ $(find photos -name '*.png' | wc -l) -eq 12 ]] || die "12 generated PNGs"

ok init repo --user-name t --user-email t@example.org
cd repo
# Quiet when stdout is not a terminal: 'ok' also asserts that stderr is empty.
ok import images ../photos --labels label --jobs 2 --json
jcheck '.column == "images" and .files == 12 and .raw_bytes == 12 * 8 * 8 * 3 and
        .new_chunks >= 1 and .classes == ["cat","dog","owl"]' "import --json"
[[ $(jq -r 'keys_unsorted | join(",")' "$OUT") == "column,files,raw_bytes,new_chunks,classes,skipped,ignored,ignored_examples" ]] ||
  die "import --json keys"
"$HANGAR" import images2 ../photos --recursive >/dev/null 2>progress.txt </dev/null ||
  die "import with stdout to /dev/null"
[[ ! -s progress.txt ]] || die "progress output although stdout is not a terminal"
# On a terminal (a pty from script(1), util-linux) the bar does appear.
if command -v script >/dev/null; then
  script -qec "$(printf '%q ' "$HANGAR" export images ../tty_out)" /dev/null >tty.txt </dev/null ||
    die "export on a pty failed"
  grep -q 'export \[#' tty.txt || die "no progress bar on a terminal"
  grep -q '12/12' tty.txt || die "the progress bar ends at 12/12"
fi
ok reset

ok import images ../photos --labels label
ok status --json
jcheck '.staged.images.added == 12 and .staged.label.added == 12' "import is staged"
ok commit -m "import photos"
ok summary --json
jcheck '[.columns[] | {name, count}] == [{"name":"images","count":12},{"name":"label","count":12}]'
jcheck '.columns[] | select(.name == "images") | .dtype == "uint8" and .shape == [8,8,3] and
        .local_count == 12' "images column"
ok get label dog/002 --json
jcheck '.dtype == "int64" and .shape == [] and .values == 1' "label of a dog is 1"
ok get label owl/000 --json
jcheck '.values == 2' "label of an owl is 2"
ok column info label --json
jcheck '.attributes.classes == ["cat","dog","owl"]' "class names kept in the attributes, as an array"

# PNG export gives back the same files; re-importing them gives the same pixels.
ok export images ../out_png --format png --json
jcheck '.written == 12 and .skipped_not_local == 0 and .bytes > 0' "export --json"
for f in $(cd ../photos && find . -name '*.png' | sort); do
  cmp "../photos/$f" "../out_png/$f" || die "exported $f differs from the imported file"
done
ok import again ../out_png --recursive
ok commit -m "re-import"
for key in cat/000 dog/003 owl/001; do
  ok get images "$key" -o a.npy
  ok get again "$key" -o b.npy
  cmp a.npy b.npy || die "pixels of $key changed in a PNG round trip"
done
ok summary --json
[[ $(jget '.columns[] | select(.name == "again") | .nbytes') == \
   $(jget '.columns[] | select(.name == "images") | .nbytes') ]] || die "same bytes after re-import"

# .npy export of selected keys, byte-identical to what 'get -o' writes.
ok export images ../out_npy --format npy --keys cat/001 owl/003 --json
jcheck '.written == 2' "export --keys"
[[ -f ../out_npy/cat/001.npy && -f ../out_npy/owl/003.npy ]] || die "export layout <key>.npy"
[[ $(find ../out_npy -type f | wc -l) -eq 2 ]] || die "only the requested keys"
ok get images cat/001 -o c.npy
cmp c.npy ../out_npy/cat/001.npy || die "exported .npy equals get -o"

# .npy files import byte-for-byte.
mkdir -p ../arrays
make_npy ../arrays/0.npy '<u2' 2,2 01000200030004ff
make_npy ../arrays/1.npy '<u2' 2,2 0500060007000800
ok import arr ../arrays
ok export arr ../arrays_out --format npy
ok status --json
jcheck '.columns_added == ["arr"]' "export of staged columns works before commit"
for f in 0 1; do cmp "../arrays/$f.npy" "../arrays_out/$f.npy" || die "npy $f not identical"; done

# Export from an older commit.
first=$(jq -r '.[1].digest' <("$HANGAR" log --json))
ok export images ../old --ref "${first:0:10}" --json
jcheck '.written == 12' "export --ref"
fails 3 "again" export again ../old2 --ref "$first"

# --keys takes a list as --columns does; '\,' is a comma inside a key (keys never hold '\').
ok export images ../some --keys cat/000,dog/001 --keys owl/002 --json
jcheck '.written == 3' "export --keys A,B --keys C"
[[ -f ../some/cat/000.png && -f ../some/dog/001.png && -f ../some/owl/002.png ]] ||
  die "export --keys wrote the three keys"
fails 2 "empty key" export images ../none --keys cat/000,,dog/001
mkdir ../commas && cp ../photos/cat/000.png '../commas/a,b.png' && cp ../photos/cat/001.png ../commas/c.png
ok import commas ../commas
ok export commas ../commas_out --keys 'a\,b'
[[ -f '../commas_out/a,b.png' && ! -e ../commas_out/c.png ]] || die "export --keys 'a\\,b'"
