#!/usr/bin/env bash
# The layering check (docs/decisions/0021-layers.md): compiles one-line probe files with exactly
# the include directories and definitions that CMake gives the real targets (written by
# tests/CMakeLists.txt into FLAGS_DIR/<target>.includes and .defines), and fails when a module
# can include a header of a layer it must not see:
#   - hangar_cli, hangar_report, _hangar (Python): no storage header, no transfer engine
#     (hangar/transfer.h);
#   - hangar_remote: no storage header; the transfer engine it needs.
# Positive controls keep it from passing vacuously: every target must compile all the public
# headers of base and libhangar (so a public header that includes storage fails here too), and
# the cli and Python targets those of remote and report.
# Usage: tests/layering.sh CXX FLAGS_DIR SOURCE_DIR TARGET...
set -euo pipefail

CXX=${1:?usage: layering.sh CXX FLAGS_DIR SOURCE_DIR TARGET...}
FLAGS_DIR=${2:?usage: layering.sh CXX FLAGS_DIR SOURCE_DIR TARGET...}
SRC=${3:?usage: layering.sh CXX FLAGS_DIR SOURCE_DIR TARGET...}
shift 3
(($# > 0)) || { echo "FAIL: no target to check" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hangar-layering.XXXXXX")
trap 'rm -rf "$T"' EXIT

# Header names as #include writes them: hangar/... under MODULE/include.
headers_of() {
  local dir=$SRC/$1/include
  (cd "$dir" && find hangar -name '*.h' | sort)
}
mapfile -t STORAGE < <(headers_of storage)
mapfile -t BASE < <(headers_of storage/base)
mapfile -t CORE < <(headers_of libhangar)
mapfile -t REMOTE < <(headers_of remote)
mapfile -t REPORT < <(headers_of report)
((${#STORAGE[@]} > 0 && ${#BASE[@]} > 0 && ${#CORE[@]} > 0)) ||
  { echo "FAIL: no headers found under $SRC" >&2; exit 1; }
TRANSFER=hangar/transfer.h

FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}

# compile TARGET HEADER...: compiles a probe including the headers with TARGET's flags; the
# compiler's messages are in $T/err.
compile() {
  local target=$1
  shift
  local flags=() line
  [[ -f $FLAGS_DIR/$target.includes ]] || { echo "FAIL: no flags for $target" >&2; exit 1; }
  while IFS= read -r line; do [[ -n $line ]] && flags+=("-I$line"); done \
    <"$FLAGS_DIR/$target.includes"
  while IFS= read -r line; do [[ -n $line ]] && flags+=("-D$line"); done \
    <"$FLAGS_DIR/$target.defines"
  printf '#include <%s>\n' "$@" >"$T/probe.cc"
  "$CXX" -std=c++20 -fsyntax-only "${flags[@]}" "$T/probe.cc" 2>"$T/err"
}

# visible TARGET HEADER...: the target must compile them all.
visible() {
  local target=$1
  shift
  if ! compile "$target" "$@"; then
    fail "$target cannot include its allowed headers:"
    head -c 3000 "$T/err" >&2
  fi
}

# hidden TARGET HEADER...: for each, the probe must fail because the header is not found.
hidden() {
  local target=$1 header
  shift
  for header in "$@"; do
    if compile "$target" "$header"; then
      fail "$target can include <$header>"
    elif ! grep -qE "$header(: No such file or directory|. file not found)" "$T/err"; then
      fail "$target: <$header> failed for another reason than not being found:"
      head -c 3000 "$T/err" >&2
    fi
  done
}

for target in "$@"; do
  case $target in
    hangar_cli | _hangar)
      visible "$target" "${BASE[@]}" "${CORE[@]}" "${REMOTE[@]}" "${REPORT[@]}"
      hidden "$target" "${STORAGE[@]}" "$TRANSFER"
      ;;
    hangar_report)
      visible "$target" "${BASE[@]}" "${CORE[@]}" "${REPORT[@]}"
      hidden "$target" "${STORAGE[@]}" "$TRANSFER"
      ;;
    hangar_remote)
      visible "$target" "${BASE[@]}" "${CORE[@]}" "${REMOTE[@]}" "$TRANSFER"
      hidden "$target" "${STORAGE[@]}"
      ;;
    *)
      echo "FAIL: no layering rule for target $target" >&2
      exit 1
      ;;
  esac
  echo "$target: checked"
done
exit "$FAILED"
