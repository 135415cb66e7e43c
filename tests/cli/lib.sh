# Shared helpers for the CLI tests; sourced by every tests/cli/<case>.sh, never run alone.
# Usage in a case:  source "$(dirname "$0")/lib.sh" "$1"
# Each case gets its own temporary directory ($T), removed on exit, and runs in it.
set -euo pipefail

HANGAR=${1:?usage: bash tests/cli/<case>.sh /path/to/hangar}
[[ -x $HANGAR ]] || { echo "not an executable: $HANGAR" >&2; exit 1; }
HANGAR=$(cd "$(dirname "$HANGAR")" && pwd)/$(basename "$HANGAR")
command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hangar-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
OUT=$T/.out
ERR=$T/.err
export USER=tester
# The global config (hangar config --global) of the case, never the real user's.
export XDG_CONFIG_HOME=$T/.config
unset HANGAR_AUTHOR_NAME HANGAR_AUTHOR_EMAIL

die() {
  echo "FAIL: $*" >&2
  if [[ -f $OUT ]]; then echo "--- stdout:" >&2; head -c 4000 "$OUT" >&2; fi
  if [[ -f $ERR ]]; then echo "--- stderr:" >&2; head -c 4000 "$ERR" >&2; fi
  exit 1
}

# run ARGS...: runs hangar with stdout/stderr captured in $OUT/$ERR and the exit code in $RC.
run() {
  set +e
  "$HANGAR" "$@" >"$OUT" 2>"$ERR" </dev/null
  RC=$?
  set -e
}

# ok ARGS...: the command must succeed and print nothing on stderr (no progress, no warnings).
ok() {
  run "$@"
  [[ $RC -eq 0 ]] || die "hangar $* exited $RC, expected 0"
  [[ ! -s $ERR ]] || die "hangar $* wrote to stderr"
}

# fails CODE REGEX ARGS...: exit CODE, nothing on stdout, and exactly one stderr line
# 'hangar: error: ...' matching REGEX (extended, case-insensitive).
fails() {
  local code=$1 pattern=$2
  shift 2
  run "$@"
  failed "$code" "$pattern" "$*"
}

# failed CODE REGEX DESC: what fails checks, for the hangar that just ended ($RC, $OUT, $ERR).
failed() {
  local code=$1 pattern=$2 what="hangar $3"
  [[ $RC -eq $code ]] || die "$what exited $RC, expected $code"
  [[ ! -s $OUT ]] || die "$what wrote to stdout on failure"
  [[ $(wc -l <"$ERR") -eq 1 ]] || die "$what must print exactly one stderr line"
  grep -q '^hangar: error: ' "$ERR" || die "$what: stderr is not 'hangar: error: ...'"
  grep -Eqi -- "$pattern" "$ERR" || die "$what: error does not match /$pattern/"
  [[ -z ${SHOW_ERRORS:-} ]] || echo "[$RC] $what  =>  $(cat "$ERR")" >&2
}

# start ARGS...: runs hangar in the background as a terminal would, with SIGINT not ignored
# (a script's background jobs ignore it, and hangar keeps an ignored signal ignored). Sets
# BG_PID; stop_with ends it. Meanwhile run/ok/fails may run other commands.
start() {
  env --default-signal=INT,TERM,HUP "$HANGAR" "$@" >"$T/.bg.out" 2>"$T/.bg.err" </dev/null &
  BG_PID=$!
}

# stop_with SIGNAL: sends SIGNAL to the hangar that start began and waits for it (10 s at most:
# then it is killed); its exit code in $RC, its output in $OUT/$ERR.
stop_with() {
  kill -s "$1" "$BG_PID"
  reap
}

# reap: waits for the hangar that start began to end (10 s at most: then it is killed); its exit
# code in $RC, its output in $OUT/$ERR.
reap() {
  local i
  for ((i = 0; i < 500; i++)); do
    kill -0 "$BG_PID" 2>/dev/null || break
    sleep 0.02
  done
  kill -KILL "$BG_PID" 2>/dev/null || true
  set +e
  wait "$BG_PID"
  RC=$?
  set -e
  mv "$T/.bg.out" "$OUT"
  mv "$T/.bg.err" "$ERR"
}

# is_stopped PID: the process is stopped (a failpoint's SIGSTOP).
is_stopped() { [[ $(ps -o state= -p "$1") == T* ]]; }

# await DESC COMMAND...: polls COMMAND (every 20 ms, 10 s at most) until it succeeds.
await() {
  local what=$1 i
  shift
  for ((i = 0; i < 500; i++)); do
    "$@" && return 0
    sleep 0.02
  done
  die "timed out waiting for $what"
}

# jcheck FILTER [DESC]: the last $OUT must be one JSON document for which FILTER is true.
jcheck() {
  jq -e . "$OUT" >/dev/null 2>&1 || die "stdout is not one JSON document"
  [[ $(jq -s length "$OUT") -eq 1 ]] || die "stdout holds more than one JSON document"
  jq -e "$1" "$OUT" >/dev/null || die "JSON check failed: ${2:-$1}"
}

# jget FILTER: prints a value of the last $OUT (raw strings).
jget() { jq -r "$1" "$OUT"; }

# snapshot NAME: records what the repository looks like (summary, status, log, branches) so that
# unchanged NAME can prove a failed command left it as it was.
snapshot() {
  local f=$T/.snap.$1 cmd
  : >"$f"
  for cmd in "summary" "status" "log" "branch list" "column list"; do
    # shellcheck disable=SC2086
    ok $cmd --json
    cat "$OUT" >>"$f"
  done
}
unchanged() {
  local before=$T/.snap.$1
  snapshot "$1.after"
  cmp -s "$before" "$T/.snap.$1.after" || {
    diff "$before" "$T/.snap.$1.after" >&2 || true
    die "repository changed (snapshot $1)"
  }
}

# hexbytes HEX: writes the bytes of a hex string to stdout.
# shellcheck disable=SC2059  # the format is made only of \xHH escapes
hexbytes() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }

# patternhex N SEED: N deterministic pseudo-random bytes as hex.
patternhex() {
  LC_ALL=C awk -v n="$1" -v seed="$2" \
    'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%02x", int(rand() * 256) }'
}

# make_npy FILE DESCR SHAPE HEX: an .npy (format 1.0) file laid out exactly as numpy 1.24 writes
# it: dict, growth padding for the first axis, spaces to a 64-byte boundary, newline.
# DESCR e.g. '|u1' '<f4'; SHAPE e.g. '2,3', '5' or '' (scalar).
make_npy() {
  local file=$1 descr=$2 shape=$3 hex=$4 repr dict hlen pad
  local -a dims=()
  [[ -n $shape ]] && IFS=, read -ra dims <<<"$shape"
  case ${#dims[@]} in
    0) repr="()" ;;
    1) repr="(${dims[0]},)" ;;
    *)
      repr=$(IFS=,; echo "${dims[*]}")
      repr="(${repr//,/, })"
      ;;
  esac
  dict="{'descr': '$descr', 'fortran_order': False, 'shape': $repr, }"
  if ((${#dims[@]} > 0)); then dict+=$(printf '%*s' $((21 - ${#dims[0]})) ''); fi
  hlen=$((${#dict} + 1))
  pad=$((64 - (10 + hlen) % 64))
  hlen=$((hlen + pad))
  {
    printf '\x93NUMPY\x01\x00'
    hexbytes "$(printf '%02x%02x' $((hlen & 255)) $((hlen >> 8)))"
    printf '%s%*s\n' "$dict" "$pad" ''
    hexbytes "$hex"
  } >"$file"
}

# A 4x4 RGB PNG; pixel (y, x) = (64y + 16x, 255 - 40y, 50x), as PNG4_PIXELS says.
PNG4_B64='iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAP0lEQVR42gE0AMv/AAD/ABD/MiD/ZDD/lgBA1wBQ1zJg12Rw15YAgK8AkK8yoK9ksK+WAMCHANCHMuCHZPCHllUKGGGsupz0AAAAAElFTkSuQmCC'
# shellcheck disable=SC2034  # used by the cases that source this file
PNG4_PIXELS='[[[0,255,0],[16,255,50],[32,255,100],[48,255,150]],[[64,215,0],[80,215,50],[96,215,100],[112,215,150]],[[128,175,0],[144,175,50],[160,175,100],[176,175,150]],[[192,135,0],[208,135,50],[224,135,100],[240,135,150]]]'
make_png4() { base64 -d <<<"$PNG4_B64" >"$1"; }

# make_image_tree DIR CLASSES PER_CLASS SIZE: DIR/<class>/<n>.png, SIZE x SIZE RGB images with
# deterministic pixels. Written with hangar itself (npy -> scratch repository -> PNG export) so
# that no image tool is needed.
make_image_tree() {
  local dir=$1 per=$3 size=$4 scratch=$T/.scratch-images class i n=0
  local -a classes
  read -ra classes <<<"$2"
  [[ $dir == /* ]] || dir=$PWD/$dir
  rm -rf "$scratch"
  ok init "$scratch" --user-name gen --user-email gen@example.org
  ok -C "$scratch" column create img --dtype uint8 --shape "$size,$size,3"
  for class in "${classes[@]}"; do
    for ((i = 0; i < per; i++)); do
      n=$((n + 1))
      make_npy "$scratch/x.npy" '|u1' "$size,$size,3" "$(patternhex $((size * size * 3)) "$n")"
      ok -C "$scratch" put img "$class/$(printf '%03d' "$i")" x.npy
    done
  done
  ok -C "$scratch" export img "$dir" --format png
  rm -rf "$scratch"
}
