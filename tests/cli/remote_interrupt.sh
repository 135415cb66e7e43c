# Signals during remote transfers: an interrupted clone removes the folder it created (an
# existing empty folder is emptied again), an interrupted fetch-data stores nothing; exit
# 128 + signal with one error line. The server stalls half-way through every data pack
# (HANGAR_FAILPOINT=server-stall-pack) and says so in its log, so each signal comes while the
# client is known to wait for the rest of a pack.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 40 base
HANGAR_FAILPOINT=server-stall-pack serve src

# stalled N: the server has stalled N times.
stalled() { [[ $(grep -c 'stalled mid-pack' "$SERVER_LOG") -ge $1 ]]; }

# Ctrl-C: exit 130, the new folder is gone.
start clone "$URL" c
await "the server to stall" stalled 1
stop_with INT
failed 130 "^hangar: error: interrupted; removed the unfinished clone 'c'$" "clone (SIGINT)"
[[ ! -e c ]] || die "an interrupted clone left its folder"

# SIGTERM: exit 143; an existing empty folder stays, empty.
mkdir empty
start clone "$URL" empty
await "the server to stall" stalled 2
stop_with TERM
failed 143 "^hangar: error: interrupted; emptied 'empty' again" "clone into an empty folder"
[[ -d empty && -z $(ls -A empty) ]] || die "an interrupted clone must leave DIR empty as it was"

# SIGHUP during fetch-data: exit 129, no data stored, the repository checks clean.
ok clone "$URL" part --no-data
rsnap part part
start -C part fetch-data origin
await "the server to stall" stalled 3
stop_with HUP
failed 129 "^hangar: error: interrupted; no data was stored$" "fetch-data (SIGHUP)"
runchanged part part
ok -C part fsck

# The stalled requests end with the server, which still stops cleanly.
unserve "$SERVER_PID"

# A server stops cleanly on SIGHUP (its terminal went away) as on SIGTERM.
serve src
unserve "$SERVER_PID" HUP
