#!/usr/bin/env bash
# How libhangar's private headers depend on each other (docs/decisions/0021-layers.md), checked
# with the compiler's own dependency lists (-MM) under the flags CMake gives hangar_core:
#   - libhangar/src holds folders only (model/ tree/ repo/ ops/ transfer/ io/ format1/ upgrade/);
#   - the repository's state (repo/repo_state.h) and the ref store (repo/refs.*) do not include
#     the public Repository facade (hangar/repository.h);
#   - what is built on the state has headers of its own that no header includes
#     (repo/column_view.h, repo/stage_batch.h, model/record_key.h), so that a change to one of
#     them recompiles only the sources that use it. Prints how many sources depend on each.
# Usage: tests/core_headers.sh CXX FLAGS_DIR SOURCE_DIR
set -euo pipefail

CXX=${1:?usage: core_headers.sh CXX FLAGS_DIR SOURCE_DIR}
FLAGS_DIR=${2:?usage: core_headers.sh CXX FLAGS_DIR SOURCE_DIR}
SRC=${3:?usage: core_headers.sh CXX FLAGS_DIR SOURCE_DIR}
CORE=$SRC/libhangar/src

FAILED=0
fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}

flags=()
while IFS= read -r line; do [[ -n $line ]] && flags+=("-I$line"); done \
  <"$FLAGS_DIR/hangar_core.includes"
while IFS= read -r line; do [[ -n $line ]] && flags+=("-D$line"); done \
  <"$FLAGS_DIR/hangar_core.defines"

# deps FILE: the project headers FILE includes, directly or not, one per line.
deps() {
  "$CXX" -std=c++20 -MM -x c++ "${flags[@]}" "$1" |
    tr ' \\' '\n\n' | sed -n 's/^\(.*\.h\)$/\1/p' | grep -v -x -F "$1" || true
}

loose=$(find "$CORE" -maxdepth 1 -type f \( -name '*.cc' -o -name '*.h' \) | sort)
[[ -z $loose ]] || fail "sources directly in libhangar/src (put them in the folder of their part):
$loose"

for f in repo/repo_state.h repo/refs.h repo/refs.cc repo/column_view.h repo/stage_batch.h \
  model/record_key.h; do
  [[ -f $CORE/$f ]] || { fail "libhangar/src/$f is missing"; continue; }
  if deps "$CORE/$f" | grep -q '/hangar/repository\.h$'; then
    fail "libhangar/src/$f includes hangar/repository.h (the public facade): include the part it needs"
  fi
done

mapfile -t sources < <(cd "$CORE" && find . -name '*.cc' -o -name '*.h' | sed 's|^\./||' | sort)
((${#sources[@]} > 50)) || { echo "FAIL: found only ${#sources[@]} sources in $CORE" >&2; exit 1; }
declare -A users
for s in "${sources[@]}"; do
  while IFS= read -r d; do
    d=${d#"$CORE"/}
    case $d in
      repo/repo_state.h | repo/column_view.h | repo/stage_batch.h | model/record_key.h)
        users[$d]+="$s "
        ;;
    esac
  done < <(deps "$CORE/$s")
done

for part in repo/column_view.h repo/stage_batch.h model/record_key.h; do
  for u in ${users[$part]:-}; do
    [[ $u == *.h ]] && fail "$u includes $part: include it in the sources that use it"
  done
done
for h in repo/repo_state.h repo/column_view.h repo/stage_batch.h model/record_key.h; do
  n=$(wc -w <<<"${users[$h]:-}")
  echo "$h: $n sources depend on it"
  ((n > 0)) || fail "nothing includes $h (the dependency scan found no user)"
done
exit "$FAILED"
