#!/usr/bin/env bash
# style:format — every C++ file of the project is as the checked-in .clang-format writes it.
# Fails naming the files that differ and how to fix them. Usage: format.sh SOURCE_DIR
set -uo pipefail
root=$1
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
cd "$root" || exit 1
mapfile -t files < <(find storage libhangar remote s3 report cli python fuzz bench examples tests \
  -type f \( -name '*.cc' -o -name '*.h' \) -not -path '*/build*/*' 2>/dev/null | sort)
[[ ${#files[@]} -gt 100 ]] || { echo "found only ${#files[@]} C++ files under $root" >&2; exit 1; }
# One clang-format for all files; it names each file that differs ("file:line:col: error: ...").
report=$(clang-format --dry-run -Werror "${files[@]}" 2>&1)
status=$?
mapfile -t bad < <(grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$report" | cut -d: -f1 | sort -u)
if [[ ${#bad[@]} -gt 0 ]]; then
  printf 'not formatted: %s\n' "${bad[@]}" >&2
  echo "run: clang-format -i ${bad[*]}" >&2
  exit 1
fi
[[ $status -eq 0 ]] || { echo "clang-format failed ($status): $report" >&2; exit 1; }
echo "${#files[@]} files formatted"
