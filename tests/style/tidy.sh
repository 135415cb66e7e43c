#!/usr/bin/env bash
# style:tidy — clang-tidy with the checked-in .clang-tidy finds nothing in the production sources
# (every module's .cc files as compiled in BUILD_DIR; not tests, fuzz targets or benchmarks).
# Fails naming each finding. Usage: tidy.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
root=$1 build=$2
command -v clang-tidy >/dev/null || { echo "clang-tidy is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
[[ -f $build/compile_commands.json ]] || { echo "no $build/compile_commands.json" >&2; exit 1; }
mapfile -t files < <(jq -r '.[].file' "$build/compile_commands.json" |
  grep -E "^$root/(storage|libhangar|remote|s3|report|cli|python)/" | sort -u)
[[ ${#files[@]} -gt 100 ]] || { echo "found only ${#files[@]} production sources in $build" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Two at a time (the machine's cores); each prints its findings, and fails on any (WarningsAsErrors).
# GCC's -fno-fat-lto-objects (the Release build's LTO) means nothing to clang: not a finding.
printf '%s\0' "${files[@]}" |
  xargs -0 -P "${HANGAR_JOBS:-2}" -n 4 clang-tidy -p "$build" --quiet \
    --extra-arg=-Wno-ignored-optimization-argument >"$out" 2>&1
status=$?
if [[ $status -ne 0 ]]; then
  grep -E 'error:|warning:' "$out" | sort -u >&2
  echo "clang-tidy found the above in ${#files[@]} sources (exit $status); fix them, or say in .clang-tidy why a check is off" >&2
  exit 1
fi
echo "${#files[@]} sources clean"
