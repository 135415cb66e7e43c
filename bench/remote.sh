#!/usr/bin/env bash
# bench/remote.sh REPO WORKDIR: the remote steps on a committed repository REPO (its current
# branch): push (into an empty server), clone_history (--no-data), fetch_10pct (fetch-data
# --fraction 0.1 into that history clone), clone_10pct (clone --fraction 0.1), fetch_rest (the
# other 90% into it), clone_all, read_clone, push_small (one new sample), fetch_small (its
# history into the partial clone). Every step is a
# whole 'hangar' process timed by GNU time (wall, user, sys, peak RSS of the client) against a
# fresh 'hangar server' on a free loopback port, whose peak RSS (VmHWM) is read before it is
# stopped. Bytes moved come from the commands' --json reports.
#   HANGAR_BIN  the hangar binary (default: build/cli/hangar next to this folder)
#   BENCH_TSV   append rows to this results.tsv (bench/run.sh's format); default: print them
#   BENCH_WORKLOAD  workload name for the rows (default R)
# Called by bench/run.sh per workload; runs alone as well.
set -euo pipefail

repo=$(cd "${1:?usage: bench/remote.sh REPO WORKDIR}" && pwd)
work=${2:?usage: bench/remote.sh REPO WORKDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
H=${HANGAR_BIN:-$root/build/cli/hangar}
w=${BENCH_WORKLOAD:-R}
tsv=${BENCH_TSV:-/dev/stdout}
read_all=$(dirname "$H")/../bench/bench_read_all
[ -x /usr/bin/time ] || { echo "bench/remote.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
printf 'write bench-token\n' >"$work/tokens"
export HANGAR_TOKEN=bench-token

source "$root/bench/serve.sh"  # serve DIR: $url, $server_pid
# unserve: records the server's peak RSS in $server_mb, stops it (SIGTERM, clean exit).
unserve() {
  server_mb=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$server_pid/status")
  kill -TERM "$server_pid"
  wait "$server_pid"
  server_pid=
}
# repoint DIR: DIR's origin is the server now running (each step gets a fresh server).
repoint() {
  "$H" -C "$1" remote remove origin >/dev/null
  "$H" -C "$1" remote add origin "$url" >/dev/null
}
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$@" >>"$tsv"; }
value() { row "$1" "" "" "" "" "$2" "$3"; }
# step NAME CMD...: runs CMD once under GNU time; its stdout (a --json report) goes to $work/out.
step() {
  local name=$1
  shift
  if ! /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err"; then
    echo "bench/remote.sh: step $name failed:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  read -r wall user sys rss <"$work/time"
  local mb bytes
  mb=$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')
  bytes=$(tr -d ' \n' <"$work/out" | sed -nE 's/.*"bytes_received":([0-9]+),"bytes_sent":([0-9]+).*/\1 \2/p')
  row "$name" "$wall" "$user" "$sys" "$mb" "" ""
  [ -n "$bytes" ] && value "${name}_bytes" "$(echo "$bytes" | awk '{print $1 + $2}')" bytes
  echo "bench: $w $name ${wall}s client ${mb}MB${bytes:+ bytes $(echo "$bytes" | awk '{print $1 + $2}')}" >&2
}
server_row() {
  value "${1}_server_peak" "$server_mb" MB
  echo "bench: $w $1 server peak ${server_mb}MB" >&2
}

branch=$("$H" -C "$repo" status --json | tr -d ' \n' | sed -nE 's/.*"branch":"([^"]+)".*/\1/p')
"$H" init "$work/server" >/dev/null
cp -r "$repo" "$work/src"   # a copy we may add a remote to

serve "$work/server"
"$H" -C "$work/src" remote add bench "$url" >/dev/null
step push "$H" -C "$work/src" push bench "$branch" --json
unserve
server_row push
value disk_server "$(du -sb "$work/server/.hangar" | cut -f1)" bytes

serve "$work/server"
step clone_history "$H" clone "$url" "$work/c0" --no-data --branch "$branch" --json
unserve
server_row clone_history

serve "$work/server"
repoint "$work/c0"
step fetch_10pct "$H" -C "$work/c0" fetch-data origin --fraction 0.1 --seed 1 --json
unserve
server_row fetch_10pct

serve "$work/server"
step clone_10pct "$H" clone "$url" "$work/c10" --fraction 0.1 --seed 1 --branch "$branch" --json
unserve
server_row clone_10pct
value disk_clone_10pct "$(du -sb "$work/c10/.hangar" | cut -f1)" bytes

serve "$work/server"
repoint "$work/c10"
step fetch_rest "$H" -C "$work/c10" fetch-data origin --json
unserve
server_row fetch_rest

serve "$work/server"
step clone_all "$H" clone "$url" "$work/call" --branch "$branch" --json
unserve
server_row clone_all
value disk_clone_all "$(du -sb "$work/call/.hangar" | cut -f1)" bytes
if [ -x "$read_all" ]; then
  step read_clone "$read_all" "$work/call" \
    "$("$H" -C "$work/call" column list --json | tr -d ' \n' | sed -nE 's/^\[\{"name":"([^"]+)".*/\1/p')"
fi

# A small change (one new sample) pushed from the full clone, fetched by the partial one.
serve "$work/server"
repoint "$work/call"
info=$("$H" -C "$work/call" column list --json | tr -d ' \n')
col=$(echo "$info" | sed -nE 's/^\[\{"name":"([^"]+)".*/\1/p')
shape=$("$H" -C "$work/call" column info "$col" --json | tr -d ' \n' | sed -nE 's/.*"shape":\[([0-9,]*)\].*/\1/p')
# An .npy of that shape (uint8) with random bytes: header padded to 64 bytes, then the data.
case $shape in
  *,*) tuple="($(echo "$shape" | sed 's/,/, /g'))" ;;
  *) tuple="($shape,)" ;;
esac
dict="{'descr': '|u1', 'fortran_order': False, 'shape': $tuple, }"
pad=$(( 64 - (10 + ${#dict} + 1) % 64 ))
hlen=$(( ${#dict} + 1 + pad ))
{
  printf '\x93NUMPY\x01\x00'
  printf "$(printf '\\x%02x\\x%02x' $((hlen & 255)) $((hlen >> 8)))"
  printf '%s%*s\n' "$dict" "$pad" ''
  head -c $(( ${shape//,/*} )) /dev/urandom
} >"$work/one.npy"
"$H" -C "$work/call" put "$col" bench-small-change "$work/one.npy" >/dev/null
"$H" -C "$work/call" commit -m "small change" >/dev/null
step push_small "$H" -C "$work/call" push origin "$branch" --json
unserve
server_row push_small
serve "$work/server"
repoint "$work/c10"
step fetch_small "$H" -C "$work/c10" fetch origin --json
unserve
server_row fetch_small
