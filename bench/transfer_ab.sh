#!/usr/bin/env bash
# bench/transfer_ab.sh [RUNS [BIN...]]: push and clone of workload A through a disk-backed 'hangar server'
# on loopback, next to the machine's disk write+fsync ceiling for the repository's
# bytes (bench/RESULTS.md "x ceiling"). Builds workload A the way bench/run.sh does (5,000
# 64x64x3 PNGs: base, a branch with changes, deletes, merge), then RUNS rounds (default 5), each:
# a fresh empty server (write token), 'hangar push' of the branch into it, a fresh server on
# that repository, 'hangar clone' of it. Client wall/user/sys/peak RSS by GNU time, server CPU
# from /proc over the step. Prints per-round rows and the medians; progress on stderr.
# Given several hangar binaries (an A/B comparison), each round runs each of them in turn, as
# client and server both, and the medians are per binary.
#   HANGAR_BIN  the hangar binary when no BIN is given (default: build/cli/hangar)
#   BENCH_DIR   build/bench (bench_gen_workload, bench_ceilings)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
shift $(($# > 0 ? 1 : 0))
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("${HANGAR_BIN:-$root/build/cli/hangar}")
H=${bins[0]}
B=${BENCH_DIR:-$root/build/bench}
src=$root/bench/out/data/A-5000-64
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -f "$src/deletes.txt" ] || "$B/bench_gen_workload" "$src" 5000 64

r=$work/repo
"$H" init "$r" >/dev/null
"$H" -C "$r" import images "$src/base" --jobs 2 >/dev/null
"$H" -C "$r" commit -m base >/dev/null
"$H" -C "$r" branch create dev >/dev/null
"$H" -C "$r" checkout dev >/dev/null
"$H" -C "$r" import images "$src/changes" --jobs 2 >/dev/null
"$H" -C "$r" commit -m changes >/dev/null
"$H" -C "$r" checkout main >/dev/null
# shellcheck disable=SC2046
"$H" -C "$r" rm images $(cat "$src/deletes.txt") >/dev/null
"$H" -C "$r" commit -m deletes >/dev/null
"$H" -C "$r" merge dev -m merge >/dev/null
repo_bytes=$(du -sb "$r/.hangar" | cut -f1)
"$B/bench_ceilings" "$src/base" "$work" >"$work/ceilings"
disk=$(awk -F'\t' '$1 == "disk_write_fsync" {print $2}' "$work/ceilings")
verify=$(awk -F'\t' '$1 == "verify" {print $2}' "$work/ceilings")
raw_bytes=$("$H" -C "$r" summary --json | jq '[.columns[].nbytes] | add')
ceiling=$(awk -v b="$repo_bytes" -v d="$disk" 'BEGIN{printf "%.4f", b / 1e6 / d}')
# A receiver must also check every chunk against its name: decode + SHA-256 of the raw bytes,
# here on both cores, on top of writing the bytes (decision 0020).
verified=$(awk -v c="$ceiling" -v r="$raw_bytes" -v v="$verify" 'BEGIN{printf "%.4f", c + r / 1e6 / v / 2}')

printf 'write bench-token\n' >"$work/tokens"
export HANGAR_TOKEN=bench-token
source "$root/bench/serve.sh"  # serve DIR: $url, $server_pid
server_cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$server_pid/stat"; }
unserve() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=; }
# step NAME CMD...: one row "NAME wall user sys peak_mb server_cpu".
step() {
  local name=$1 s0
  shift
  s0=$(server_cpu)
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
    { cat "$work/err" >&2; exit 1; }
  read -r wall user sys rss <"$work/time"
  printf '%s %s %s %s %.1f %.2f\n' "$name" "$wall" "$user" "$sys" "$(echo "$rss / 1024" | bc -l)" \
    "$(echo "$(server_cpu) - $s0" | bc -l)" >>"$work/rows"
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for i in $(seq "$runs"); do
  for b in "${!bins[@]}"; do
    H=${bins[$b]}
    rm -rf "$work/server" "$work/clone"
    "$H" init "$work/server" >/dev/null
    serve "$work/server"
    "$H" -C "$r" remote remove bench >/dev/null 2>&1 || true
    "$H" -C "$r" remote add bench "$url" >/dev/null
    step "push$b" "$H" -C "$r" push bench main
    unserve
    serve "$work/server"
    step "clone$b" "$H" clone "$url" "$work/clone"
    unserve
    echo "round $i: $(tail -2 "$work/rows" | tr '\n' ' ')" >&2
  done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf 'repository %.1f MB, disk write+fsync %s MB/s, ceiling %s s; raw chunk bytes %.1f MB, verify (1 thread) %s MB/s, verified ceiling %s s\n' \
  "$(awk -v b="$repo_bytes" 'BEGIN{print b / 1e6}')" "$disk" "$ceiling" "$(awk -v b="$raw_bytes" 'BEGIN{print b / 1e6}')" "$verify" "$verified"
printf '| step | wall s | user s | sys s | client peak MB | server CPU s | x ceiling | x verified ceiling |\n|---|---|---|---|---|---|---|---|\n'
for s in push clone; do
  for b in "${!bins[@]}"; do
    grep "^$s$b " "$work/rows" | sort -n -k2,2 | sed -n "$(( (runs + 1) / 2 ))p" |
      awk -v c="$ceiling" -v vc="$verified" -v n="$s" -v bin="${bins[$b]}" -v many=${#bins[@]} '{
        label = n; if (many != 1) label = n " (" bin ")"
        printf "| %s | %.3f | %.2f | %.2f | %.1f | %.2f | %.1f | %.1f |\n", label, $2, $3, $4, $5, $6, $2 / c, $2 / vc }'
  done
done
printf 'every round (wall s): %s\n' "$(awk '{printf "%s %s  ", $1, $2}' "$work/rows")"
