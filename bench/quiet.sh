# Sourced by the benchmarks that wait for a quiet machine (it is shared).
# quiet: with BENCH_QUIET_LOAD=L, waits until the 1-minute load average is below L (polls every
# 20 s, at most BENCH_QUIET_WAIT s, default 900), and keeps in max_load the highest load a step
# started at. Without BENCH_QUIET_LOAD it returns at once.
max_load=0
quiet() {
  [ -n "${BENCH_QUIET_LOAD:-}" ] || return 0
  local load
  for _ in $(seq $(( ${BENCH_QUIET_WAIT:-900} / 20 ))); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" -v q="$BENCH_QUIET_LOAD" 'BEGIN { exit !(l < q) }' && break
    sleep 20
  done
  load=$(cut -d' ' -f1 /proc/loadavg)
  max_load=$(awk -v l="$load" -v m="$max_load" 'BEGIN { print (l > m) ? l : m }')
}
