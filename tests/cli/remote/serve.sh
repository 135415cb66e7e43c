# Helpers for the remote CLI tests (tests/cli/remote_*.sh): a real 'hangar server' on a free
# loopback port (--port 0 --port-file), stopped by PID when the case exits, and snapshots of
# any repository folder. Sourced after lib.sh; never run alone.

SERVER_PIDS=()
stop_servers() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'stop_servers; rm -rf "$T"' EXIT

# serve REPO [ARGS...]: starts 'hangar server REPO ARGS' on a free port; sets URL, SERVER_PID
# and SERVER_LOG (its stdout and stderr).
serve() {
  local repo=$1 pf i
  shift
  pf=$T/.port.${#SERVER_PIDS[@]}
  rm -f "$pf"
  SERVER_LOG=$pf.log
  "$HANGAR" server "$repo" --port 0 --port-file "$pf" "$@" >"$SERVER_LOG" 2>&1 </dev/null &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  for ((i = 0; i < 200; i++)); do
    [[ -s $pf ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  [[ -s $pf ]] || die "hangar server did not start: $(cat "$pf.log")"
  URL=http://127.0.0.1:$(cat "$pf")
}

# make_src N MESSAGE: repository 'src' with N random .npy images imported into column 'images'
# and committed as MESSAGE; the commit's JSON is in $OUT (jget .commit).
make_src() {
  ok init src --user-name t --user-email t@example.org
  random_npys npys "$1"
  ok -C src import images "$T/npys"
  ok -C src commit -m "$2" --json
}

# unserve PID [SIGNAL]: SIGTERM (or SIGNAL); the server must exit 0 (clean shutdown) within 10 s.
unserve() {
  local pid=$1 sig=${2:-TERM} i rc=0
  kill -"$sig" "$pid"
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  wait "$pid" || rc=$?
  forget_server "$pid"
  [[ $rc -eq 0 ]] || die "hangar server $pid exited $rc after SIG$sig, expected 0"
}

# forget_server PID: a server that has ended (and been waited for) is not signalled at exit,
# where its PID may be another process's by then.
forget_server() {
  local p
  local -a left=()
  for p in "${SERVER_PIDS[@]}"; do [[ $p == "$1" ]] || left+=("$p"); done
  SERVER_PIDS=("${left[@]}")
}

# random_npys DIR N [SIDE]: N deterministic, incompressible SIDExSIDEx3 uint8 .npy files named
# 0000.npy ... (keys sort in numeric order).
random_npys() {
  local dir=$1 n=$2 side=${3:-32} i
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    make_npy "$dir/$(printf '%04d' "$i").npy" '|u1' "$side,$side,3" \
      "$(patternhex $((side * side * 3)) $((i + 1)))"
  done
}

# rsnap NAME DIR / runchanged NAME DIR: what 'unchanged' does (lib.sh), for the repository in DIR
# (a server's repository too: reads need no lock), including its remotes.
rsnap() {
  local f=$T/.rsnap.$1 cmd
  : >"$f"
  for cmd in "summary" "log" "branch list" "remote list"; do
    # shellcheck disable=SC2086
    ok -C "$2" $cmd --json
    cat "$OUT" >>"$f"
  done
}
runchanged() {
  local before=$T/.rsnap.$1
  rsnap "$1.after" "$2"
  cmp -s "$before" "$T/.rsnap.$1.after" || {
    diff "$before" "$T/.rsnap.$1.after" >&2 || true
    die "repository $2 changed (snapshot $1)"
  }
}
