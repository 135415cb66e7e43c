#!/usr/bin/env bash
# bench/tls_remote.sh [N SIZE]: what TLS costs a push and a clone (decision 0018), on
# workload A (bench_gen_workload N SIZE, default 5000 64x64 RGB images, imported and committed).
# Each round, for plain HTTP and then for TLS ('hangar server --tls-cert --tls-key', a private
# CA made here with openssl(1), trusted through SSL_CERT_FILE): a fresh empty server on a free
# loopback port; 'hangar push' of the whole branch into it; 'hangar clone' of it back. Every
# step is a whole client process timed by GNU time (wall, user + sys, peak RSS); the server's
# CPU (user + sys from /proc over the step) and its peak RSS (VmHWM) are read beside it.
# After an untimed warm-up, 3 rounds, the order of the two transports alternating; the round
# with the median wall time of each step is reported. The machine is shared:
# before each round the script waits (10 min at most) for the 1-minute load average to fall
# below 1.5, and reports the load each round started at.
# Prints a Markdown section for bench/RESULTS.md on stdout; progress on stderr.
#   HANGAR_BIN  the hangar binary (default: build/cli/hangar)
#   BENCH_GEN   bench_gen_workload (default: build/bench/bench_gen_workload)
#   ROUNDS      rounds (default 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5000}
size=${2:-64}
H=${HANGAR_BIN:-$root/build/cli/hangar}
G=${BENCH_GEN:-$root/build/bench/bench_gen_workload}
rounds=${ROUNDS:-3}
data=$root/bench/out/data
[ -x "$H" ] || { echo "bench/tls_remote.sh: no hangar at $H (build first)" >&2; exit 1; }
[ -x "$G" ] || { echo "bench/tls_remote.sh: no bench_gen_workload at $G (-DHANGAR_BUILD_BENCH=ON)" >&2; exit 1; }
for tool in /usr/bin/time jq openssl; do
  command -v "$tool" >/dev/null || { echo "bench/tls_remote.sh: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$data"

# Workload A, imported and committed.
src=$data/A-$n-$size
if [ ! -d "$src/base" ]; then
  echo "bench: generating $src" >&2
  rm -rf "$src"
  "$G" "$src" "$n" "$size" >/dev/null
fi
repo=$work/repo
"$H" init "$repo" >/dev/null
"$H" -C "$repo" import images "$src/base" --jobs 2 >/dev/null
"$H" -C "$repo" commit -m base >/dev/null
chunk_mb=$("$H" -C "$repo" summary --json | jq '[.columns[].nbytes] | add / 1e6')

# A private CA and the server's certificate (P-256, as a web server would have).
pki=$work/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=hangar bench CA" -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
  -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$pki/ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
  -CAcreateserial -days 2 -extfile "$pki/ext" -out "$pki/server.pem" 2>/dev/null
export SSL_CERT_FILE=$pki/ca.pem HANGAR_TOKEN=bench-token
unset SSL_CERT_DIR
printf 'write bench-token\n' >"$work/tokens"

# serve MODE: a fresh empty server, in clear (http) or with TLS (https); URL in $url.
serve() {
  local tls=()
  [ "$1" = https ] && tls=(--tls-cert "$pki/server.pem" --tls-key "$pki/server.key")
  rm -rf "$work/server" "$work/port"
  "$H" init "$work/server" >/dev/null
  "$H" server "$work/server" --port 0 --port-file "$work/port" --tokens "$work/tokens" "${tls[@]}" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/server.log" >&2; exit 1; }
  url=$1://127.0.0.1:$(cat "$work/port")
}
unserve() {
  server_mb=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$server_pid/status")
  kill -TERM "$server_pid"
  wait "$server_pid"
  server_pid=
}
server_cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$server_pid/stat"; }

# quiet: waits until the 1-minute load average is below 1.5 (10 min at most); prints it.
quiet() {
  local load i
  for ((i = 0; i < 60; i++)); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" 'BEGIN { exit !(l < 1.5) }' && break
    ((i == 0)) && echo "bench: load $load; waiting for it to fall below 1.5" >&2
    sleep 10
  done
  cut -d' ' -f1 /proc/loadavg
}

# step MODE NAME CMD...: one timed client process; appends "wall cpu client_mb server_cpu
# bytes" to $work/MODE-NAME.
step() {
  local mode=$1 name=$2 c0 c1 wall user sys rss bytes
  shift 2
  c0=$(server_cpu)
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/out"
  c1=$(server_cpu)
  read -r wall user sys rss <"$work/time"
  bytes=$(jq '.bytes_received + .bytes_sent' "$work/out")
  echo "$wall $(echo "$user + $sys" | bc -l) $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') $(echo "$c1 - $c0" | bc -l) $bytes" \
    >>"$work/$mode-$name"
  echo "bench: $mode $name ${wall}s (client cpu $(echo "$user + $sys" | bc -l)s, server cpu $(echo "$c1 - $c0" | bc -l)s)" >&2
}

# One untimed push and clone first, so that the first timed step does not pay for a cold page
# cache; then the order of the two transports alternates between rounds.
serve http
"$H" -C "$repo" remote add bench "$url" >/dev/null
"$H" -C "$repo" push bench >/dev/null
"$H" clone "$url" "$work/clone" >/dev/null
unserve
loads=()
for ((r = 1; r <= rounds; r++)); do
  loads+=("$(quiet)")
  order="http https"
  ((r % 2 == 0)) && order="https http"
  for mode in $order; do
    serve $mode
    "$H" -C "$repo" remote remove bench >/dev/null 2>&1 || true
    "$H" -C "$repo" remote add bench "$url" >/dev/null
    step $mode push "$H" -C "$repo" push bench --json
    rm -rf "$work/clone"
    step $mode clone "$H" clone "$url" "$work/clone" --json
    unserve
    echo "$server_mb" >>"$work/$mode-server_mb"
  done
done
"$H" -C "$repo" remote remove bench >/dev/null

# median FILE: the line with the median wall time.
median() { sort -n -k1,1 "$1" | sed -n "$(( ($(wc -l <"$1") + 1) / 2 ))p"; }
peak() { sort -n "$1" | tail -1; }

cat <<EOF
## TLS cost (issue 15)

Produced by \`bench/tls_remote.sh $n $size\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -sr),
$(openssl version | cut -d' ' -f1,2)); decision [0018](../docs/decisions/0018-tls.md). Workload A
($n x ${size}x${size}x3 PNGs, $(printf '%.1f' "$chunk_mb") MB of raw chunk bytes): push of the whole
branch into a fresh empty server, then a clone of it, over plain HTTP and over TLS (TLS 1.3, a
P-256 certificate from a private CA in SSL_CERT_FILE) on loopback. Whole client processes timed
by GNU time; "client CPU" is its user + sys, "server CPU" the server's over the step; MB/s
counts the bytes the step moved (its --json report). After an untimed warm-up push and clone,
$rounds rounds, HTTP first in odd rounds and TLS first in even ones; the median round (by wall time);
before each round the script waited (10 min at most) for the 1-minute load average to fall
below 1.5; it was $(IFS=,; echo "${loads[*]}" | sed 's/,/, /g') as the rounds started.

| step | transport | wall s | client CPU s | server CPU s | MB/s | client peak MB | server peak MB |
|---|---|---|---|---|---|---|---|
EOF
for name in push clone; do
  for mode in http https; do
    read -r wall cpu mb scpu bytes <<<"$(median "$work/$mode-$name")"
    printf '| %s | %s | %.2f | %.2f | %.2f | %.1f | %s | %s |\n' "$name" "$mode" "$wall" "$cpu" \
      "$scpu" "$(echo "$bytes / $wall / 1000000" | bc -l)" "$mb" "$(peak "$work/$mode-server_mb")"
  done
done
echo
echo "| step | TLS / HTTP wall | TLS / HTTP client CPU | TLS / HTTP server CPU |"
echo "|---|---|---|---|"
for name in push clone; do
  read -r hw hc _ hs _ <<<"$(median "$work/http-$name")"
  read -r tw tc _ ts _ <<<"$(median "$work/https-$name")"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }'; }
  echo "| $name | $(ratio "$tw" "$hw") | $(ratio "$tc" "$hc") | $(ratio "$ts" "$hs") |"
done
echo
echo "Every round (wall s, http / https): $(for name in push clone; do
  printf '%s ' "$name"
  paste -d/ <(cut -d' ' -f1 "$work/http-$name") <(cut -d' ' -f1 "$work/https-$name") | tr '\n' ' '
done)"
