# Sourced by the benchmarks that run a hangar server on loopback. Needs $H (hangar) and $work
# (a scratch folder holding the tokens file, $work/tokens).
# serve DIR: a fresh server for DIR on a free 127.0.0.1 port; its URL in $url, PID in $server_pid.
serve() {
  rm -f "$work/port"
  "$H" server "$1" --port 0 --port-file "$work/port" --tokens "$work/tokens" >/dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "bench: the server for $1 did not start" >&2; exit 1; }
  url=http://127.0.0.1:$(cat "$work/port")
}
