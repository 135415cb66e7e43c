#!/usr/bin/env bash
# bench/s3_remote.sh REPO WORKDIR: push and clone of REPO's current branch through a
# disk-backed server and through an S3-backed one (hangar server --store, on a throw-away Ceph
# RGW booted here by tests/s3/rgw-up.sh), then 4 clones at once from each. Prints a Markdown
# table: client wall seconds, MB/s of the repository's chunk bytes, and the server's CPU seconds
# (user + sys from /proc, so data that bypasses the server shows as CPU it did not spend).
#   HANGAR_BIN  the hangar binary (default: build/cli/hangar next to this folder)
# Workload A: bench_gen_workload OUT 5000 64, 'hangar import images OUT/base', commit.
# 1 GB of large tensors: bench_large_tensors --samples 16 --dir OUT --keep, then REPO = OUT/repo.
set -euo pipefail
repo=$(cd "${1:?usage: bench/s3_remote.sh REPO WORKDIR}" && pwd)
work=${2:?usage: bench/s3_remote.sh REPO WORKDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
H=${HANGAR_BIN:-$root/build/cli/hangar}
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
  bash "$root/tests/s3/rgw-down.sh" "$work/rgw.env"
}
trap cleanup EXIT
bash "$root/tests/s3/rgw-up.sh" "$work/rgw.env" >&2
set -a
source "$work/rgw.env"
set +a
export AWS_REGION=$HANGAR_S3_REGION HANGAR_TOKEN=bench-token
printf 'write bench-token\n' >"$work/tokens"
bytes=$("$H" -C "$repo" summary --json | jq '[.columns[].nbytes] | add')

serve() {  # serve DIR [ARGS...]
  local dir=$1
  shift
  rm -f "$work/port"
  "$H" server "$dir" --port 0 --port-file "$work/port" --tokens "$work/tokens" "$@" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 400); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/server.log" >&2; exit 1; }
  url=http://127.0.0.1:$(cat "$work/port")
}
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$server_pid/stat"; }
now() { date +%s.%N; }
# row SERVER STEP WALL CPU [CLONES]: MB/s and server CPU s per GB count CLONES copies of the
# chunk bytes (aggregate).
row() {
  printf '| %s | %s | %.2f | %.1f | %.2f | %.3f |\n' "$1" "$2" "$3" \
    "$(echo "${5:-1} * $bytes / $3 / 1000000" | bc -l)" "$4" \
    "$(echo "$4 * 1000000000 / (${5:-1} * $bytes)" | bc -l)"
}

echo "chunk bytes: $bytes; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| server | step | wall s | MB/s | server CPU s | server CPU s per GB |"
echo "|---|---|---|---|---|---|"
for mode in disk s3; do
  rm -rf "$work/srv" "$work/c"*
  "$H" init "$work/srv" >/dev/null
  if [ $mode = s3 ]; then
    serve "$work/srv" --store "s3://$HANGAR_S3_BUCKET/bench" --s3-endpoint "$HANGAR_S3_ENDPOINT"
  else
    serve "$work/srv"
  fi
  "$H" -C "$repo" remote remove bench >/dev/null 2>&1 || true
  "$H" -C "$repo" remote add bench "$url" >/dev/null
  c0=$(cpu) t0=$(now)
  "$H" -C "$repo" push bench >/dev/null
  t1=$(now) c1=$(cpu)
  row $mode push "$(echo "$t1 - $t0" | bc -l)" "$(echo "$c1 - $c0" | bc -l)"
  c0=$(cpu) t0=$(now)
  "$H" clone "$url" "$work/c0" >/dev/null
  t1=$(now) c1=$(cpu)
  row $mode clone "$(echo "$t1 - $t0" | bc -l)" "$(echo "$c1 - $c0" | bc -l)"
  c0=$(cpu) t0=$(now)
  for i in 1 2 3 4; do "$H" clone "$url" "$work/c$i" >/dev/null & done
  wait $(jobs -p | grep -v "^$server_pid$")
  t1=$(now) c1=$(cpu)
  row $mode "4 clones at once" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$c1 - $c0" | bc -l)" 4
  "$H" -C "$repo" remote remove bench >/dev/null
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
done
