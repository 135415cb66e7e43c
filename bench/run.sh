#!/usr/bin/env bash
# bench/run.sh [--quick]: builds Release, generates the workloads (seeded), times every step as a
# whole process (wall, user, sys, peak RSS via /usr/bin/time), measures this machine's ceilings
# in the same run, and writes bench/out/results.tsv and bench/RESULTS.md (set beside the peer
# figures in bench/peers.tsv). --quick: workload A at 1,000 images only (a smoke run, < 2 min);
# --only W: one full-size workload (A: 5,000 x 64^2, B: 500 x 256^2, C: 20,000 x 32^2).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
quick=0
only=""
usage="usage: bench/run.sh [--quick | --only A|B|C]"
case "${1:-}" in
  --quick) quick=1 ;;
  --only)
    only=${2:-}
    case "$only" in
      A | B | C) ;;
      *) echo "bench: --only needs a workload: A, B or C; $usage" >&2; exit 2 ;;
    esac ;;
  -h | --help) echo "$usage"; exit 0 ;;
  "") ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
build=$root/build-bench
out=$root/bench/out
data=$out/data
mkdir -p "$out" "$data"
[ -x /usr/bin/time ] || { echo "bench: installing GNU time" >&2; apt-get install -y -qq time >/dev/null; }

echo "bench: building Release in $build" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHANGAR_BUILD_TESTS=OFF >/dev/null
ninja -C "$build" -j2 >/dev/null
H=$build/cli/hangar
B=$build/bench

tsv=$out/results.tsv
printf 'workload\tstep\twall_s\tuser_s\tsys_s\tpeak_mb\tvalue\tunit\n' >"$tsv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# timed CMD...: runs CMD under GNU time; "wall user sys rss_kb" into $work/time.
timed() {
  if ! /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/log" 2>&1; then
    echo "bench: failed: $*" >&2
    cat "$work/log" >&2
    exit 1
  fi
}

# record WORKLOAD NAME "wall user sys rss_kb": one row of results.tsv.
record() {
  local w=$1 name=$2 wall user sys rss
  read -r wall user sys rss <<<"$3"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t\t\n' "$w" "$name" "$wall" "$user" "$sys" \
    "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')" >>"$tsv"
  echo "bench: $w $name ${wall}s $((rss / 1024))MB" >&2
}

# median "wall user sys rss" ...: the run with the median wall time.
median() { printf '%s\n' "$@" | sort -n -k1,1 | sed -n "$(( ($# + 1) / 2 ))p"; }

# step WORKLOAD NAME CMD...: a step that changes the repository, timed once.
step() {
  local w=$1 name=$2
  shift 2
  timed "$@"
  record "$w" "$name" "$(cat "$work/time")"
}

# step3 WORKLOAD NAME OUT CMD...: a step that only reads the repository, run 3 times (OUT, when
# not "-", is the output folder, removed before each run); the median run is recorded. One
# run on a shared 2-core VM can be off by 2-4x (file-system work of other processes).
step3() {
  local w=$1 name=$2 out=$3 runs=()
  shift 3
  for _ in 1 2 3; do
    [ "$out" = - ] || rm -rf "$out"
    timed "$@"
    runs+=("$(cat "$work/time")")
  done
  record "$w" "$name" "$(median "${runs[@]}")"
}

# value WORKLOAD NAME VALUE UNIT: a measured figure that is not a whole-process time.
value() { printf '%s\t%s\t\t\t\t\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tsv"; }

run_workload() {
  local w=$1 n=$2 size=$3
  local src=$data/$w-$n-$size
  if [ ! -f "$src/deletes.txt" ]; then
    echo "bench: generating workload $w ($n x ${size}x${size}x3)" >&2
    rm -rf "$src"
    "$B/bench_gen_workload" "$src" "$n" "$size"
  fi
  value "$w" png_bytes_base "$(du -sb "$src/base" | cut -f1)" bytes
  # Every sample the repository holds after the merge (base + changed + new): the PNG side of
  # the on-disk comparison.
  value "$w" png_bytes_all "$(( $(du -sb "$src/base" | cut -f1) + $(du -sb "$src/changes" | cut -f1) ))" bytes
  value "$w" changes_files "$(find "$src/changes" -name '*.png' | wc -l)" files
  "$B/bench_ceilings" "$src/base" "$work" | while IFS=$'\t' read -r name v unit; do
    value "$w" "ceiling_$name" "$v" "$unit"
  done
  # What the chunk codecs make of these images (zstd vs zstd-delta; docs/decisions/0005).
  "$B/bench_codec" "$src/base" | while IFS=$'\t' read -r name v unit; do
    value "$w" "$name" "$v" "$unit"
  done

  local r=$work/$w
  step3 "$w" startup - "$H" --version
  rm -rf "$r" && step "$w" init "$H" init "$r"
  # Import --jobs 1 and --jobs 2, 3 runs each, interleaved, each into a fresh repository; the
  # medians are recorded and the last --jobs 2 repository goes on.
  local j1=() j2=()
  for _ in 1 2 3; do
    rm -rf "$r" && "$H" init "$r" >/dev/null
    timed "$H" -C "$r" import images "$src/base" --jobs 1
    j1+=("$(cat "$work/time")")
    rm -rf "$r" && "$H" init "$r" >/dev/null
    timed "$H" -C "$r" import images "$src/base" --jobs 2
    j2+=("$(cat "$work/time")")
  done
  record "$w" import_jobs1 "$(median "${j1[@]}")"
  record "$w" import "$(median "${j2[@]}")"
  step "$w" commit_base "$H" -C "$r" commit -m base
  step "$w" branch "$H" -C "$r" branch create dev
  step "$w" checkout_dev "$H" -C "$r" checkout dev
  step "$w" import_changes "$H" -C "$r" import images "$src/changes" --jobs 2
  step "$w" commit_changes "$H" -C "$r" commit -m changes
  step "$w" checkout_main "$H" -C "$r" checkout main
  # shellcheck disable=SC2046
  step "$w" delete "$H" -C "$r" rm images $(cat "$src/deletes.txt")
  step "$w" commit_deletes "$H" -C "$r" commit -m deletes
  if "$H" diff --help >/dev/null 2>&1; then
    step3 "$w" diff - "$H" -C "$r" diff dev main --summary
    step "$w" merge "$H" -C "$r" merge dev -m merge
  fi
  step3 "$w" read_all - "$B/bench_read_all" "$r" images
  "$B/bench_read_all" "$r" images | while IFS=$'\t' read -r name v unit; do
    value "$w" "$name" "$v" "$unit"
  done
  step3 "$w" export_png "$work/$w-png" "$H" -C "$r" export images "$work/$w-png" --format png
  step3 "$w" export_npy "$work/$w-npy" "$H" -C "$r" export images "$work/$w-npy" --format npy
  step3 "$w" summary - "$H" -C "$r" summary --json
  value "$w" count_after "$("$H" -C "$r" summary --json | tr -d ' \n' | sed -E 's/.*"count":([0-9]+).*/\1/')" samples
  value "$w" disk_repo "$(du -sb "$r/.hangar" | cut -f1)" bytes
  if [ -x "$root/bench/remote.sh" ] && "$H" server --help >/dev/null 2>&1; then
    HANGAR_BIN=$H BENCH_TSV=$tsv BENCH_WORKLOAD=$w bash "$root/bench/remote.sh" "$r" "$work/$w-remote"
  fi
  rm -rf "$r" "$work/$w-png" "$work/$w-npy" "$work/$w-remote"
}

# Peak RSS of import and read as N grows (must stay flat): tiny 16x16 images.
run_scale() {
  local sizes=$1
  for n in $sizes; do
    local src=$data/S-$n-16
    [ -f "$src/deletes.txt" ] || "$B/bench_gen_workload" "$src" "$n" 16
    local r=$work/S$n
    rm -rf "$r" && "$H" init "$r" >/dev/null
    step "S$n" import "$H" -C "$r" import images "$src/base" --jobs 2
    step "S$n" commit_base "$H" -C "$r" commit -m base
    step3 "S$n" read_all - "$B/bench_read_all" "$r" images
    "$B/bench_read_all" "$r" images | while IFS=$'\t' read -r name v unit; do
      value "S$n" "$name" "$v" "$unit"
    done
    step3 "S$n" summary - "$H" -C "$r" summary --json
    rm -rf "$r"
  done
}

# Real images: the chunk codecs on the Adwaita 48x48 icons (RGBA, flat areas), when installed.
run_icons() {
  local icons=/usr/share/icons/Adwaita/48x48
  [ -d "$icons" ] || return 0
  "$B/bench_codec" "$icons" | while IFS=$'\t' read -r name v unit; do
    value icons "$name" "$v" "$unit"
  done
}

if [ -n "$only" ]; then
  case "$only" in
    A) run_workload A 5000 64 ;;
    B) run_workload B 500 256 ;;
    C) run_workload C 20000 32 ;;
  esac
elif [ $quick = 1 ]; then
  run_workload A 1000 64
  run_scale "1000 4000"
  run_icons
else
  run_workload A 5000 64
  run_workload B 500 256
  run_workload C 20000 32
  run_scale "2000 8000 32000 128000"
  run_icons
  for prog in "$B"/bench_history_scale "$B"/bench_large_tensors; do
    [ -x "$prog" ] || continue
    echo "bench: $(basename "$prog")" >&2
    "$prog" >"$out/$(basename "$prog").txt"
  done
fi

mode=""
[ $quick = 1 ] && mode="--quick"
[ -n "$only" ] && mode="--only $only"
# Sections made by other scripts are kept as they are: "Python training loop (issue 12)"
# (bench/python_loader.sh), "Lazy reads (issue 13)" (bench/lazy_epoch.py), "Space that gc gives
# back (issue 14)" (bench/gc_space.sh), "S3-backed server (issue 16)" (bench/s3_remote.sh), "TLS
# cost (issue 15)" (bench/tls_remote.sh), "Push and clone against the disk ceiling (issue 16)"
# (bench/transfer_ab.sh).
kept=""
for title in "Python training loop (issue 12)" "Lazy reads (issue 13)" \
  "Space that gc gives back (issue 14)" "S3-backed server (issue 16)" "TLS cost (issue 15)" \
  "Push and clone against the disk ceiling (issue 16)"; do
  sec=$(awk -v t="## $title" '/^## /{p = ($0 == t)} p' "$root/bench/RESULTS.md" 2>/dev/null || true)
  [ -z "$sec" ] || kept=$(printf '%s\n\n%s' "$kept" "$sec")
done
bash "$root/bench/report.sh" "$tsv" "$root/bench/peers.tsv" "$quick" "$mode" >"$root/bench/RESULTS.md"
[ -z "$kept" ] || printf '%s\n' "$kept" >>"$root/bench/RESULTS.md"
echo "bench: wrote bench/RESULTS.md and $tsv" >&2
