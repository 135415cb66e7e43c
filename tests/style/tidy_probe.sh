#!/usr/bin/env bash
# style:tidy-probe — the checked-in .clang-tidy is found and enforced: clang-tidy passes
# probes/clean.cc and fails probes/defect.cc with the finding named. (The whole production tree
# is checked by tests/style/tidy.sh, a step of scripts/test.sh: ~10 min on two cores.)
# Usage: tidy_probe.sh SOURCE_DIR
set -uo pipefail
probes=$1/tests/style/probes
command -v clang-tidy >/dev/null || { echo "clang-tidy is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
clang-tidy --quiet "$probes/clean.cc" -- -std=c++20 || { echo "clang-tidy refused the clean probe" >&2; exit 1; }
if out=$(clang-tidy --quiet "$probes/defect.cc" -- -std=c++20 2>&1); then
  echo "clang-tidy passed the defect probe: .clang-tidy is not enforced" >&2
  exit 1
fi
grep -q 'performance-unnecessary-value-param' <<<"$out" || { echo "unexpected clang-tidy output: $out" >&2; exit 1; }
echo "clean probe passes; defect probe fails with performance-unnecessary-value-param"
