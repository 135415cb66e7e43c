# Ctrl-C during an import of thousands of images: the import is rolled back (what it staged is
# gone, what was staged before stays), exit 130 with one error line, and the repository passes
# fsck. HANGAR_FAILPOINT=import-epoch makes the import wait, once it has staged its first epoch
# (4,096 files), until it is interrupted; `status` shows that epoch, so the signal comes while
# the import is known to be half-way.
source "$(dirname "$0")/lib.sh" "$1"

# many_pngs DIR N: N copies of the 4x4 PNG as DIR/0000.png ...; one split makes them all (a
# process per file would take many seconds).
many_pngs() {
  local dir=$1 n=$2 one=$T/.one.png all=$T/.all size i
  make_png4 "$one"
  size=$(stat -c %s "$one")
  cp "$one" "$all"
  for ((i = 1; i < n; i *= 2)); do
    cat "$all" "$all" >"$all.2"
    mv "$all.2" "$all"
  done
  mkdir -p "$dir"
  head -c $((size * n)) "$all" | split -b "$size" -d -a 4 --additional-suffix=.png - "$dir/"
  rm "$all"
}

# epoch_staged: more samples are staged than the one 'put' below (status reads alongside).
epoch_staged() {
  "$HANGAR" status --json 2>/dev/null | jq -e '.staged.images.added > 1' >/dev/null
}

many_pngs "$T/pngs" 5000
mkdir first
make_png4 first/a.png
make_png4 b.png
ok init repo --user-name t --user-email t@example.org
cd repo
ok import images "$T/first"
ok commit -m first
ok put images b "$T/b.png"
snapshot before

HANGAR_FAILPOINT=import-epoch start import images "$T/pngs"
await "the first epoch to be staged" epoch_staged
stop_with INT
failed 130 "^hangar: error: interrupted; the import was rolled back, nothing was staged$" \
  "import (SIGINT)"
unchanged before
ok fsck

# The repository works on: the whole import goes through.
ok import images "$T/pngs" --json
jcheck '.files == 5000'
ok status --json
jcheck '.staged.images.added == 5001' "the import and the earlier put are staged"
