# docs/user-guide.md runs as written: its sh blocks (in one bash, in order, set -e) and its
# python blocks (python3 with the built hangar package), in a temporary folder, with the
# hangar under test first on PATH. Also checks a few things the guide says they print.
GUIDE=$(cd "$(dirname "$0")/../../docs" && pwd)/user-guide.md
source "$(dirname "$0")/lib.sh" "$1"
PYTHON_DIR=$(cd "$(dirname "$HANGAR")/../python" && pwd)
[[ -f $PYTHON_DIR/hangar/__init__.py ]] || die "no built python package in $PYTHON_DIR"

# The guide as one bash script: sh blocks as they are, python blocks as heredocs; a server it
# started ($SERVER) is stopped however the script ends.
echo 'trap '"'"'[ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null || true'"'"' EXIT' >guide.sh
awk '
  /^```sh$/     { mode = "sh"; next }
  /^```python$/ { mode = "py"; print "/usr/bin/python3 - <<'"'"'PYTHON_BLOCK'"'"'"; next }
  /^```$/       { if (mode == "py") print "PYTHON_BLOCK"; mode = ""; next }
  mode != ""    { print }
' "$GUIDE" >>guide.sh
[[ $(grep -c '^hangar ' guide.sh) -ge 20 ]] || die "the guide's commands were not extracted"

mkdir tour
set +e
(cd tour && PATH=$(dirname "$HANGAR"):$PATH PYTHONPATH=$PYTHON_DIR bash -e ../guide.sh) \
  >"$OUT" 2>"$ERR"
RC=$?
set -e
[[ $RC -eq 0 ]] || die "the user guide stopped with exit $RC"
grep -q "^staged 40 files into images" "$OUT" || die "import report"
grep -q "column 'labels' expects int64 \[\]" "$ERR" || die "the refused put says what fits"
grep -q "no sample has key 'nope/1'" "$ERR" || die "export --keys names the unmatched key"
grep -Eq "^took [0-9]+ keys \([0-9]+ samples" "$OUT" || die "the partial clone's report"
grep -q "^39 samples, classes \['cat', 'dog'\], last loss" "$OUT" || die "the training loop ran"
