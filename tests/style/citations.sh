#!/usr/bin/env bash
# style:citations — source comments cite only documents in the repository: every docs/*.md or
# bench/*.md path named in a source file exists, and none cites the issue tracker or design
# notes kept outside the repository. Usage: citations.sh SOURCE_DIR
set -uo pipefail
root=$1
cd "$root" || exit 1
mapfile -t files < <(find storage libhangar remote s3 report cli python fuzz examples tests scripts \
  CMakeLists.txt -type f \( -name '*.cc' -o -name '*.h' -o -name '*.py' -o -name '*.sh' -o -name 'CMakeLists.txt' \) \
  -not -path '*/build*/*' -not -path 'tests/style/*' 2>/dev/null | sort)
[[ ${#files[@]} -gt 100 ]] || { echo "found only ${#files[@]} source files under $root" >&2; exit 1; }
bad=0
# Documents outside the repository (the issue tracker, shared design notes).
if grep -n -i -E '\bissue [0-9]+|DESIGN\.md|STYLE\.md|PEER_RESULTS|\.\./shared/' "${files[@]}" >&2; then
  echo "the lines above cite documents outside the repository: say what they say instead" >&2
  bad=1
fi
# Documents inside it must exist.
while IFS= read -r cited; do
  [[ -e $cited ]] && continue
  echo "cited but missing: $cited (in $(grep -l -F "$cited" "${files[@]}" | head -3 | tr '\n' ' '))" >&2
  bad=1
done < <(grep -h -o -E '\b(docs|bench)/[A-Za-z0-9_./-]+\.md\b' "${files[@]}" | sort -u)
[[ $bad -eq 0 ]] || exit 1
echo "${#files[@]} files cite only documents in the repository"
