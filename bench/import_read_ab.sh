#!/usr/bin/env bash
# bench/import_read_ab.sh [--write] BASELINE_DIR [ROUNDS]: import and whole-column read of
# workload A (5,000 PNG images 64x64x3, bench_gen_workload) with these binaries and with a
# baseline build's (BASELINE_DIR holds its hangar and bench_read_all, e.g. a build of format 1),
# in interleaved rounds (default 9) so that both see the same load. Per round and build: `import
# images A/base` (--jobs 2) into a fresh repository, `commit`, then `bench_read_all` of the
# committed column (its in-process read rate). Prints the medians (wall and CPU time, user +
# sys, and peak RSS of both; the read rate) as a markdown section; --write also puts it into
# bench/RESULTS.md (replacing the section of the same title). HANGAR_BIN / BENCH_BIN choose these binaries
# (default build/cli/hangar and build/bench); data under $BENCH_DATA (default /work/bench-data).
# BENCH_QUIET_LOAD=L starts every import and read only once the 1-minute load average is below
# L (polls every 20 s, at most BENCH_QUIET_WAIT s, default 900; the machine is shared); the
# section says the highest load one started at.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
write=0
if [ "${1:-}" = --write ]; then
  write=1
  shift
fi
base_dir=${1:?usage: bench/import_read_ab.sh [--write] BASELINE_DIR [ROUNDS]}
rounds=${2:-9}
H=${HANGAR_BIN:-$root/build/cli/hangar}
B=${BENCH_BIN:-$root/build/bench}
data=${BENCH_DATA:-/work/bench-data}
for f in "$base_dir/hangar" "$base_dir/bench_read_all" "$H" "$B/bench_read_all"; do
  [ -x "$f" ] || { echo "import_read_ab: no $f" >&2; exit 2; }
done
src=$data/A-5000-64
if [ ! -f "$src/deletes.txt" ]; then
  echo "import_read_ab: generating workload A in $src" >&2
  rm -rf "$src"
  "$B/bench_gen_workload" "$src" 5000 64
fi
work=$(mktemp -d "$data/ab.XXXXXX")
trap 'rm -rf "$work"' EXIT
tsv=$work/rows.tsv  # build, wall, user, rss_kb, read MB/s, read rss_kb
: >"$tsv"

source "$root/bench/quiet.sh"  # quiet, max_load

# one LABEL HANGAR BENCH_READ_ALL: a round of one build; a row of $tsv: label, import wall s,
# import CPU s (user + sys), import peak KB, read MB/s, read wall s, read CPU s, read peak KB.
one() {
  local label=$1 h=$2 rd=$3 r=$work/repo-$1
  rm -rf "$r"
  "$h" init "$r" >/dev/null
  quiet
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$h" -C "$r" import images "$src/base" \
    --jobs 2 >/dev/null 2>&1
  "$h" -C "$r" commit -m base >/dev/null
  quiet
  /usr/bin/time -f '%e %U %S %M' -o "$work/rtime" "$rd" "$r" images >"$work/read"
  local mbs
  mbs=$(awk -F'\t' '$1 == "read_throughput" { print $2 }' "$work/read")
  read -r iw iu is ik <"$work/time"
  read -r rw ru rs rk <"$work/rtime"
  printf '%s\t%s\t%.2f\t%s\t%s\t%s\t%.2f\t%s\n' "$label" "$iw" "$(awk "BEGIN { print $iu + $is }")" \
    "$ik" "$mbs" "$rw" "$(awk "BEGIN { print $ru + $rs }")" "$rk" >>"$tsv"
  echo "import_read_ab: $label $(tail -1 "$tsv" | cut -f2-)" >&2
}
for ((i = 0; i < rounds; i++)); do
  one baseline "$base_dir/hangar" "$base_dir/bench_read_all"
  one this "$H" "$B/bench_read_all"
done

# median LABEL COLUMN: the median of a column of $tsv (2..8, see one()).
median() {
  awk -F'\t' -v l="$1" -v c="$2" '$1 == l { print $c }' "$tsv" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
title="## Import and read of workload A, against a baseline build"
section() {
  echo "$title"
  echo
  echo "\`${BENCH_QUIET_LOAD:+BENCH_QUIET_LOAD=$BENCH_QUIET_LOAD }${BENCH_QUIET_WAIT:+BENCH_QUIET_WAIT=$BENCH_QUIET_WAIT }bench/import_read_ab.sh $base_dir $rounds\` on $(date -u +%Y-%m-%d)"
  echo "($(nproc) cores, shared${BENCH_QUIET_LOAD:+; every step started at a 1-minute load average <= $max_load})."
  echo "$rounds interleaved rounds; medians. import = \`import images A/base --jobs 2\` into a fresh"
  echo "repository (whole process); read = \`bench_read_all\` of the committed column (whole process;"
  echo "read MB/s is its in-process rate of decoded bytes). CPU = user + sys."
  echo
  echo "| build | import wall s | import CPU s | import peak MB | read MB/s | read wall s | read CPU s | read peak MB |"
  echo "|---|---|---|---|---|---|---|---|"
  for l in baseline this; do
    printf '| %s | %s | %s | %.1f | %s | %s | %s | %.1f |\n' "$l" "$(median "$l" 2)" \
      "$(median "$l" 3)" "$(awk -v k="$(median "$l" 4)" 'BEGIN { print k / 1024 }')" \
      "$(median "$l" 5)" "$(median "$l" 6)" "$(median "$l" 7)" \
      "$(awk -v k="$(median "$l" 8)" 'BEGIN { print k / 1024 }')"
  done
  awk -v bw="$(median baseline 2)" -v tw="$(median this 2)" -v bc="$(median baseline 3)" \
    -v tc="$(median this 3)" -v br="$(median baseline 5)" -v tr="$(median this 5)" \
    -v brc="$(median baseline 7)" -v trc="$(median this 7)" 'BEGIN {
      printf "\nthis / baseline: import wall %+.1f%%, import CPU %+.1f%%; read rate %+.1f%%, read CPU %+.1f%%.\n",
        100 * (tw / bw - 1), 100 * (tc / bc - 1), 100 * (tr / br - 1), 100 * (trc / brc - 1) }'
}
section | tee "$work/section.md"
if [ $write = 1 ]; then
  res=$root/bench/RESULTS.md
  awk -v t="$title" '$0 == t { skip = 1; next } /^## / { skip = 0 } !skip' "$res" >"$work/rest.md"
  { cat "$work/rest.md"; echo; cat "$work/section.md"; } >"$res"
  echo "import_read_ab: wrote the section into bench/RESULTS.md" >&2
fi
