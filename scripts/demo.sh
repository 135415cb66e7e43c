#!/usr/bin/env bash
# A walk through hangar's main workflow in a temporary folder, printing each command first:
# generate photos in class folders, import them with labels, commit, branch, edit, log, go back,
# export to PNG and show that the pixels are identical. Set HANGAR_DEMO_KEEP=1 to keep the folder.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

hangar_install_packages
hangar_build

HANGAR_BIN=$HANGAR_BUILD/cli/hangar
MAKE_IMAGES=$HANGAR_BUILD/examples/example_make_images
[[ -x $MAKE_IMAGES ]] || { echo "missing $MAKE_IMAGES (examples not built?)" >&2; exit 1; }

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/hangar-demo.XXXXXX")
if [[ -z ${HANGAR_DEMO_KEEP:-} ]]; then
  trap 'rm -rf "$DEMO"' EXIT
fi
cd "$DEMO"

hangar() { "$HANGAR_BIN" "$@"; }
example_make_images() { "$MAKE_IMAGES" "$@"; }
step() { printf '\n## %s\n' "$*"; }
# show CMD ARGS...: prints the command (quoting arguments that need it), then runs it.
show() {
  local line='$' arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./=:,@+-]+$ ]]; then line+=" $arg"; else line+=" '$arg'"; fi
  done
  printf '%s\n' "$line"
  "$@"
}

step "Generate 60 photo-like 64x64 PNGs in 3 class folders (in $DEMO)"
show example_make_images photos 60 --size 64 --classes 3
show example_make_images extras 2 --size 64 --seed 7

step "Create a repository and import the photos, with class ids as labels"
show hangar init repo --user-name "Demo User" --user-email demo@example.org
show cd repo
show hangar import images ../photos --labels label
show hangar status
show hangar commit -m "Import 60 photos"
show hangar summary

step "Fix some data on a branch"
show hangar branch create fixes
show hangar checkout fixes
show hangar put images class00/000003 ../extras/class00/000000.png
show hangar put images class01/extra ../extras/class01/000001.png
show hangar get label class01/000001 -o ../label1.npy
show hangar put label class01/extra ../label1.npy
show hangar get label class01/extra
show hangar rm images class02/000002 class02/000005
show hangar rm label class02/000002 class02/000005
show hangar status
show hangar commit -m "Replace a bad photo, add one, drop two"
show hangar log
show hangar status --json
show hangar branch

step "Back on main the data is as imported"
show hangar checkout main
show hangar summary
show hangar summary fixes

step "Export to PNG: the files and the pixels are identical"
show hangar export images ../exported --format png
show cmp ../photos/class00/000000.png ../exported/class00/000000.png
same=0
total=0
for f in $(cd ../photos && find . -name '*.png' | sort); do
  total=$((total + 1))
  if cmp -s "../photos/$f" "../exported/$f"; then same=$((same + 1)); fi
done
echo "$same of $total exported PNG files are byte-identical to the originals"
[[ $same -eq $total ]]
show hangar import roundtrip ../exported --recursive
show hangar summary --json
images_bytes=$(hangar summary --json | jq '.columns[] | select(.name == "images") | .nbytes')
round_bytes=$(hangar summary --json | jq '.columns[] | select(.name == "roundtrip") | .nbytes')
for key in class00/000000 class01/000031 class02/000059; do
  hangar get images "$key" -o ../a.npy >/dev/null
  hangar get roundtrip "$key" -o ../b.npy >/dev/null
  show cmp ../a.npy ../b.npy
done
echo "re-imported pixels: $round_bytes bytes, original: $images_bytes bytes: identical"
[[ $images_bytes -eq $round_bytes ]]
show hangar reset

step "Train a classifier from Python, straight from the commit (examples/train_torch.py)"
show "$HANGAR_PYTHON" -c 'import hangar; print(hangar.Repository(".").checkout()["images"])'
show "$HANGAR_PYTHON" "$HANGAR_ROOT/examples/train_torch.py" . images label main 3

step "Done"
echo "demo finished in $DEMO"
