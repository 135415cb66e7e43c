# Reading failpoints from the sources and from docs/failpoints.md, for failpoints_documented.sh
# and crash_matrix.sh. Sourced after lib.sh; never run alone.

# failpoints_in_source DIR...: every failpoint name the C++ sources under DIRs use (tests, build
# trees and the failpoint implementation left out), sorted, once each. A name is a kebab-case
# string literal on a line that calls failpoint, failpoint_armed or failpoint_wait_for_interrupt.
# Fails, naming the line, on a call with no such literal: its name cannot be checked.
failpoints_in_source() {
  local dir
  for dir in "$@"; do
    find "$dir" \( -name .git -o -name tests -o -name 'build*' \) -prune -o -type f \
      \( -name '*.cc' -o -name '*.h' \) ! -name failpoint.cc ! -name failpoint.h -print0 |
      xargs -0 -r grep -HnE '(^|[^_[:alnum:]])failpoint(_armed|_wait_for_interrupt)?\(' || true
  done | awk '
    {
      line = $0
      sub(/^[^:]*:[0-9]+:/, "", line)
      found = 0
      while (match(line, /"[a-z0-9]+(-[a-z0-9]+)+"/)) {
        print substr(line, RSTART + 1, RLENGTH - 2)
        found = 1
        line = substr(line, RSTART + RLENGTH)
      }
      if (!found) {
        print "failpoint call without a literal name: " $0 > "/dev/stderr"
        bad = 1
      }
    }
    END { exit bad }' | sort -u  # lib.sh sets pipefail: awk's failure is the function's
}

# failpoint_rows DOC SECTION: the rows of the table under '## SECTION' in DOC whose first cell is
# a `name`, one per line, cells separated by tabs, backticks and outer spaces removed; the last
# cell is cut to its first backticked word (the state of "A kill there leaves").
failpoint_rows() {
  awk -v want="## $2" '
    /^## / { inside = ($0 == want); next }
    inside && /^\| `[^`]+` \|/ {
      n = split($0, cell, "|")
      row = ""
      for (i = 2; i < n; i++) {
        c = cell[i]
        if (i == n - 1 && match(c, /`[^`]+`/)) c = substr(c, RSTART, RLENGTH)
        gsub(/`/, "", c)
        gsub(/^ +| +$/, "", c)
        row = row (i > 2 ? "\t" : "") c
      }
      print row
    }' "$1"
}

# The headings of the two tables of docs/failpoints.md.
# shellcheck disable=SC2034  # used by the cases that source this file
MATRIX_SECTION="The crash matrix"
# shellcheck disable=SC2034
OUTSIDE_SECTION="Failpoints outside the matrix"
