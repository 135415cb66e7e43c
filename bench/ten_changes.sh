#!/usr/bin/env bash
# bench/ten_changes.sh [--write] REPO CHANGES [ROUNDS]: wall and CPU time of the everyday
# commands on 10 changes in a large repository (target: commit and diff of 10 changes at
# N = 10^6 under 50 ms, whole process). REPO is a committed repository (e.g. bench_gen_fashion's
# 10^6 images imported with --labels and committed) and CHANGES a folder of changed images for
# its column (bench_gen_fashion's `changes`). Per round (default 3): a branch `ten-bench-<i>`
# from HEAD's commit, `import images CHANGES --recursive` (untimed), then `status`, `diff` (the
# staged state), `commit` and `diff BASE HEAD`, and `hangar --version` (the process start),
# each timed by `perf stat` (CPU = task-clock; the read-only ones are the mean of 5 runs, commit
# runs once). REPO keeps the branches and commits it made: run it on a copy. BENCH_QUIET_LOAD=L
# starts every timed command only once the 1-minute load average is below L (polls every 20 s,
# at most BENCH_QUIET_WAIT s, default 900; the machine is shared). HANGAR_BIN chooses the
# binary (default build/cli/hangar). Prints a markdown section; --write also puts it into
# bench/RESULTS.md (replacing the section of the same title).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
write=0
if [ "${1:-}" = --write ]; then
  write=1
  shift
fi
usage="usage: bench/ten_changes.sh [--write] REPO CHANGES [ROUNDS]"
repo=${1:?$usage}
changes=${2:?$usage}
rounds=${3:-3}
H=${HANGAR_BIN:-$root/build/cli/hangar}
command -v perf >/dev/null || { echo "ten_changes: needs perf (linux-perf)" >&2; exit 1; }
[ -x "$H" ] || { echo "ten_changes: no $H" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tsv=$work/rows.tsv  # step, wall ms, CPU ms, load average at the start
: >"$tsv"

source "$root/bench/quiet.sh"  # quiet, max_load
# timed STEP RUNS CMD...: `perf stat -r RUNS CMD`; a row of $tsv (means over the runs).
timed() {
  local step=$1 runs=$2 load
  shift 2
  quiet
  load=$(cut -d' ' -f1 /proc/loadavg)
  if ! perf stat -r "$runs" -o "$work/stat" "$@" >"$work/log" 2>&1; then
    echo "ten_changes: failed: $*" >&2
    cat "$work/log" >&2
    exit 1
  fi
  awk -v s="$step" -v l="$load" '/task-clock/ { cpu = $1 } /seconds time elapsed/ { wall = $1 * 1000 }
    END { printf "%s\t%.1f\t%.1f\t%s\n", s, wall, cpu, l }' "$work/stat" >>"$tsv"
  echo "ten_changes: $(tail -1 "$tsv")" >&2
}

base=$("$H" -C "$repo" log --json -n 1 | tr -d ' \n' | sed -E 's/^\[\{"digest":"([0-9a-f]+)".*/\1/')
samples=$("$H" -C "$repo" summary --json | tr -d ' \n' | grep -o '"count":[0-9]*' | head -1 | cut -d: -f2)
for ((i = 1; i <= rounds; i++)); do
  "$H" -C "$repo" branch create "ten-bench-$i" "$base" >/dev/null
  "$H" -C "$repo" checkout "ten-bench-$i" >/dev/null
  "$H" -C "$repo" import images "$changes" --recursive >/dev/null
  timed version 5 "$H" --version
  timed status 5 "$H" -C "$repo" status --json
  timed diff_staged 5 "$H" -C "$repo" diff --json
  timed commit 1 "$H" -C "$repo" commit -m "ten changes"
  timed diff 5 "$H" -C "$repo" diff "$base" HEAD --json
done

title="## Everyday commands on 10 changes in a large repository"
section() {
  echo "$title"
  echo
  echo "\`${BENCH_QUIET_LOAD:+BENCH_QUIET_LOAD=$BENCH_QUIET_LOAD }${BENCH_QUIET_WAIT:+BENCH_QUIET_WAIT=$BENCH_QUIET_WAIT }bench/ten_changes.sh REPO CHANGES $rounds\` on $(date -u +%Y-%m-%d)"
  echo "($(nproc) cores, shared${BENCH_QUIET_LOAD:+; every command started at a 1-minute load average <= $max_load}),"
  echo "REPO holding ${samples:-?} samples in its first column. Per round: 10 changed images staged on a"
  echo "branch of the base commit, then each command as a whole process under \`perf stat\`"
  echo "(wall / CPU = task-clock, in ms; the mean of 5 runs, \`commit\` 1). \`--version\` is the"
  echo "process start alone. Rounds: min - max."
  echo
  echo "| command | wall ms | CPU ms |"
  echo "|---|---|---|"
  for row in "version:hangar --version" "status:status" "diff_staged:diff (staged)" \
    "commit:commit" "diff:diff BASE HEAD"; do
    awk -F'\t' -v s="${row%%:*}" -v name="${row#*:}" '$1 == s { n++; w[n] = $2; c[n] = $3 }
      END {
        wl = wh = w[1]; cl = ch = c[1]
        for (i = 2; i <= n; i++) {
          if (w[i] < wl) wl = w[i]; if (w[i] > wh) wh = w[i]
          if (c[i] < cl) cl = c[i]; if (c[i] > ch) ch = c[i]
        }
        printf "| %s | %.0f - %.0f | %.0f - %.0f |\n", name, wl, wh, cl, ch
      }' "$tsv"
  done
}
section | tee "$work/section.md"
if [ $write = 1 ]; then
  res=$root/bench/RESULTS.md
  awk -v t="$title" '$0 == t { skip = 1; next } /^## / { skip = 0 } !skip' "$res" >"$work/rest.md"
  { cat "$work/rest.md"; echo; cat "$work/section.md"; } >"$res"
  echo "ten_changes: wrote the section into bench/RESULTS.md" >&2
fi
