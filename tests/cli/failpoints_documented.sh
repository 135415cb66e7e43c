# Every failpoint in the sources is listed in docs/failpoints.md (in the crash matrix's table or
# in the table of those outside it, with a reason), every failpoint listed there still exists,
# and no row is listed twice: a new write path cannot ship without documented failpoints, and
# the crash matrix (which reads the first table) cannot miss one. The check is also run on a
# source tree with one failpoint more, and on a list with one failpoint more, and must fail.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/crash/failpoints.sh"
root=$(cd "$here/../.." && pwd)

# check DOC DIR...: the failpoints of the sources under DIRs and of DOC agree (problems on
# stderr).
check() {
  local doc=$1 problems=0 name
  shift
  failpoints_in_source "$@" >"$T/source" || return 1
  failpoint_rows "$doc" "$MATRIX_SECTION" >"$T/matrix"
  failpoint_rows "$doc" "$OUTSIDE_SECTION" >"$T/outside"
  [[ -s $T/matrix && -s $T/outside ]] || {
    echo "$doc: no table under '## $MATRIX_SECTION' or '## $OUTSIDE_SECTION'" >&2
    return 1
  }
  cut -f1 "$T/matrix" | sort -u >"$T/in-matrix"
  cut -f1 "$T/outside" | sort >"$T/in-outside"
  sort -u "$T/in-matrix" "$T/in-outside" >"$T/listed"
  for name in $(comm -23 "$T/source" "$T/listed"); do
    echo "failpoint '$name' is in the sources but not in $doc" >&2
    problems=1
  done
  for name in $(comm -13 "$T/source" "$T/listed"); do
    echo "failpoint '$name' is listed in $doc but no source has it" >&2
    problems=1
  done
  for name in $(comm -12 "$T/in-matrix" "$T/in-outside"); do
    echo "failpoint '$name' is both in the crash matrix and outside it in $doc" >&2
    problems=1
  done
  for name in $(uniq -d "$T/in-outside"); do
    echo "failpoint '$name' is listed twice outside the matrix in $doc" >&2
    problems=1
  done
  while read -r name; do
    echo "crash matrix row listed twice in $doc: $name" >&2
    problems=1
  done < <(cut -f1-3 "$T/matrix" | sort | uniq -d)
  return "$problems"
}

doc=$root/docs/failpoints.md
[[ -f $doc ]] || die "no $doc"
check "$doc" "$root" || die "docs/failpoints.md and the sources disagree (see above)"

# The check fails for a failpoint added without a row...
mkdir -p "$T/more/src"
printf '  failpoint("new-write-step");\n' >"$T/more/src/step.cc"
if check "$doc" "$root" "$T/more" 2>"$T/why"; then die "an undocumented failpoint passed"; fi
grep -q "'new-write-step' is in the sources but not" "$T/why" ||
  die "wrong complaint: $(cat "$T/why")"
# ... for a failpoint called without a literal name ...
printf '  failpoint(step_name);\n' >"$T/more/src/step.cc"
if check "$doc" "$root" "$T/more" 2>"$T/why"; then die "a nameless failpoint call passed"; fi
grep -q "without a literal name" "$T/why" || die "wrong complaint: $(cat "$T/why")"
# ... and for a row whose failpoint no longer exists.
sed "/^| \`commit-written\` |/p; s/^| \`commit-written\` | commit |/| \`commit-gone\` | commit |/" \
  "$doc" >"$T/doc.md"
if check "$T/doc.md" "$root" 2>"$T/why"; then die "a row of a failpoint that is gone passed"; fi
grep -q "'commit-gone' is listed in .* but no source has it" "$T/why" ||
  die "wrong complaint: $(cat "$T/why")"
