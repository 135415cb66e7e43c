#!/usr/bin/env bash
# bench/gc_space.sh [N SIZE]: the disk space gc gives back (decision 0013), on
# workload A (bench_gen_workload N SIZE, default 5000 64x64 RGB images).
#   replaced:  import the base images on main and commit; on branch r1 replace every sample
#              (the same keys, other images: bench_gen_workload --seed 2) and commit; again on
#              r2 (--seed 3); back on main, delete both branches, `gc`. Compared with a fresh
#              import of the base images (what main still holds): target <= 1.15x (du -sb .hangar).
#   sparse:    on main, stage a replacement of every sample, unstage every third one (rm), commit:
#              the segments written by that import are 2/3 live. `gc` at the default threshold
#              (0.5) keeps them; `gc --threshold 0.7` compacts them.
# Prints a Markdown section for bench/RESULTS.md on stdout; progress on stderr. Each gc runs once
# per repository (it changes it); the whole scenario is repeated RUNS times (default 3) and the
# median gc wall time is shown (sizes do not vary between runs).
#   HANGAR_BIN  the hangar binary (default: build/cli/hangar)
#   BENCH_GEN   bench_gen_workload (default: build/bench/bench_gen_workload)
#   RUNS        repetitions (default 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5000}
size=${2:-64}
H=${HANGAR_BIN:-$root/build/cli/hangar}
G=${BENCH_GEN:-$root/build/bench/bench_gen_workload}
runs=${RUNS:-3}
data=$root/bench/out/data
[ -x "$H" ] || { echo "bench/gc_space.sh: no hangar at $H (build first)" >&2; exit 1; }
[ -x "$G" ] || { echo "bench/gc_space.sh: no bench_gen_workload at $G (-DHANGAR_BUILD_BENCH=ON)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/gc_space.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench/gc_space.sh: needs jq" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$data"

# gen SEED: the base images of workload A with that seed (same keys), in $data.
gen() {
  local dir=$data/A-$n-$size
  [ "$1" = 20240601 ] || dir=$dir-seed$1
  if [ ! -d "$dir/base" ]; then
    echo "bench: generating $dir" >&2
    rm -rf "$dir"
    "$G" "$dir" "$n" "$size" --seed "$1" >/dev/null
  fi
  echo "$dir/base"
}
base=$(gen 20240601)
alt1=$(gen 2)
alt2=$(gen 3)

h() { "$H" "$@" >/dev/null; }
du_b() { du -sb "$1/.hangar" | cut -f1; }
# timed_json OUTFILE ARGS...: runs hangar ARGS under GNU time; JSON to OUTFILE, wall s printed.
timed_json() {
  local out=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$H" "$@" >"$out"
  cut -d' ' -f1 "$work/time"
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# Fresh import of what main holds.
f=$work/fresh
h init "$f"
h -C "$f" import images "$base" --jobs 2
h -C "$f" commit -m base
fresh=$(du_b "$f")
rm -rf "$f"

gc_walls=() dry_walls=()
for ((i = 1; i <= runs; i++)); do
  r=$work/replaced
  rm -rf "$r"
  h init "$r"
  h -C "$r" import images "$base" --jobs 2
  h -C "$r" commit -m base
  for b in r1 r2; do
    src=$alt1
    [ $b = r2 ] && src=$alt2
    h -C "$r" branch create $b main
    h -C "$r" checkout $b
    h -C "$r" import images "$src" --jobs 2
    h -C "$r" commit -m "replace every sample ($b)"
  done
  h -C "$r" checkout main
  h -C "$r" branch delete r1 --force
  h -C "$r" branch delete r2 --force
  before=$(du_b "$r")
  dry_walls+=("$(timed_json "$work/dry.json" -C "$r" gc --dry-run --json)")
  gc_walls+=("$(timed_json "$work/gc.json" -C "$r" gc --json)")
  gc_rss=$(cut -d' ' -f2 "$work/time")
  after=$(du_b "$r")
  "$H" -C "$r" fsck --rehash --exit-code >/dev/null || { echo "bench: fsck failed" >&2; exit 1; }
  echo "bench: replaced run $i: $before -> $after bytes (fresh $fresh)" >&2
done
ratio=$(awk -v a="$after" -v f="$fresh" 'BEGIN { printf "%.3f", a / f }')
j() { jq -r "$1" "$2"; }

# Sparse segments: the threshold decides.
s=$work/sparse
h init "$s"
h -C "$s" import images "$base" --jobs 2
h -C "$s" commit -m base
h -C "$s" import images "$alt1" --jobs 2
# shellcheck disable=SC2046
h -C "$s" rm images $(cd "$alt1" && ls | sed -n 's/\.png$//p' | awk 'NR % 3 == 1')
h -C "$s" commit -m "replace two thirds"
sparse_before=$(du_b "$s")
"$H" -C "$s" gc --dry-run --json >"$work/s-dry.json"
"$H" -C "$s" gc --json >"$work/s-gc5.json"
sparse_05=$(du_b "$s")
"$H" -C "$s" gc --threshold 0.7 --dry-run --json >"$work/s-dry7.json"
"$H" -C "$s" gc --threshold 0.7 --json >"$work/s-gc7.json"
sparse_07=$(du_b "$s")
"$H" -C "$s" fsck --rehash --exit-code >/dev/null || { echo "bench: fsck failed" >&2; exit 1; }

cat <<EOF
## Space that gc gives back (issue 14)

Produced by \`bench/gc_space.sh $n $size\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -sr)); decision
[0013](../docs/decisions/0013-compacting-segments-and-packs.md). Sizes are \`du -sb .hangar\`; gc wall time
is the median of $runs runs (a fresh repository each), whole process.

**Replace every sample twice, then gc.** Workload A ($n x ${size}x${size}x3): import on main, commit;
on branch r1 import the same keys with other images (\`bench_gen_workload --seed 2\`), commit;
again on r2 (\`--seed 3\`); \`checkout main\`, \`branch delete r1 --force\`, \`branch delete r2 --force\`,
\`hangar gc\`.

| | bytes | MB | x fresh import |
|---|---|---|---|
| fresh import of main's samples | $fresh | $(mb "$fresh") | 1.000 |
| before gc (3 versions of every sample) | $before | $(mb "$before") | $(awk -v a="$before" -v f="$fresh" 'BEGIN { printf "%.3f", a / f }') |
| after \`hangar gc\` | $after | $(mb "$after") | **$ratio** (target <= 1.15) |

\`gc --dry-run\`: would free $(j .bytes_to_free "$work/dry.json") bytes (actual: $(j .disk_bytes_freed "$work/gc.json") bytes freed under .hangar/chunks;
$((before - after)) under .hangar), $(median "${dry_walls[@]}") s. \`gc\`: $(median "${gc_walls[@]}") s wall, peak RSS $((gc_rss / 1024)) MB; removed $(j .chunks "$work/gc.json") chunks and $(j .objects "$work/gc.json") objects;
containers deleted whole $(j .containers_emptied "$work/gc.json"), compacted $(j .containers_compacted "$work/gc.json"), bytes moved $(j .bytes_moved "$work/gc.json"); LMDB files compacted: $(j .compacted "$work/gc.json").

**Sparse segments and the threshold.** Stage a replacement of every sample, unstage every third
one, commit: the segments that import wrote are ~2/3 live.

| step | du -sb .hangar | segments/packs compacted | bytes moved | dead bytes kept in sparse containers |
|---|---|---|---|---|
| before gc | $sparse_before | - | - | - |
| \`gc\` (threshold 0.5) | $sparse_05 | $(j .containers_compacted "$work/s-gc5.json") | $(j .bytes_moved "$work/s-gc5.json") | $(j .sparse_dead_bytes "$work/s-gc5.json") in $(j .sparse_containers "$work/s-gc5.json") |
| \`gc --threshold 0.7\` | $sparse_07 | $(j .containers_compacted "$work/s-gc7.json") | $(j .bytes_moved "$work/s-gc7.json") | $(j .sparse_dead_bytes "$work/s-gc7.json") in $(j .sparse_containers "$work/s-gc7.json") |

Dry runs: threshold 0.5 would free $(j .bytes_to_free "$work/s-dry.json") bytes, 0.7 would free $(j .bytes_to_free "$work/s-dry7.json") bytes.
EOF
