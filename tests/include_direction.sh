#!/usr/bin/env bash
# The house rule on the page (docs/decisions/0021-layers.md): no #include in cli/, remote/,
# libhangar/ or storage/ names a header of a layer above its own in cli -> remote -> libhangar
# -> storage. Each <hangar/...> include is resolved to the file it names under the modules'
# include directories, and the layer is the top-level folder that file is in (storage/base is
# part of storage). Quoted includes are a module's own private headers. The link lines
# (tests/layering.sh) keep the compiler from seeing such a header; this checks the sources.
# Usage: tests/include_direction.sh SOURCE_DIR
set -euo pipefail
SRC=${1:?usage: include_direction.sh SOURCE_DIR}
cd "$SRC"

rank() {
  case $1 in
    storage) echo 0 ;;
    libhangar) echo 1 ;;
    remote) echo 2 ;;
    cli) echo 3 ;;
    *) echo -1 ;;  # report, s3, python, tests: outside the chain
  esac
}

# Every module's include directory (not those of build trees).
mapfile -t roots < <(find . \( -name build -o -name .git \) -prune -o -type d -name include -print |
  sed 's|^\./||' | sort)
((${#roots[@]} >= 5)) || { echo "FAIL: found only ${#roots[@]} include directories" >&2; exit 1; }

FAILED=0 checked=0
while IFS= read -r file; do
  from=$(rank "${file%%/*}")
  while IFS=: read -r line header; do
    resolved=
    for r in "${roots[@]}"; do
      [[ -f $r/$header ]] && { resolved=$r/$header; break; }
    done
    if [[ -z $resolved ]]; then
      echo "FAIL: $file:$line includes <$header>, which no include directory holds" >&2
      FAILED=1
      continue
    fi
    checked=$((checked + 1))
    to=$(rank "${resolved%%/*}")
    if ((to > from)); then
      echo "FAIL: $file:$line includes <$header> ($resolved): a layer above ${file%%/*}" >&2
      FAILED=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<hangar/' "$file" |
    sed 's/^\([0-9]*\):.*<\(hangar\/[^>]*\)>.*/\1:\2/')
done < <(find cli remote libhangar storage -name '*.cc' -o -name '*.h' | sort)
((checked > 500)) || { echo "FAIL: only $checked includes checked" >&2; exit 1; }
echo "$checked <hangar/...> includes point down or sideways"
exit "$FAILED"
