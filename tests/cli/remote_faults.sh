# Faults of a remote transfer, each leaving both repositories as they were: a server that dies
# mid-stream, a client that dies mid-push, nothing listening, an unknown remote, a server
# that speaks a newer protocol.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 40 base
serve src
ok clone "$URL" c --no-data
port_url=$URL
unserve "$SERVER_PID"

# Nothing listening (the server above has stopped; its port is free).
rsnap c c
fails 3 "nothing is listening" -C c fetch origin
fails 3 "nothing is listening" -C c fetch-data origin
fails 3 "nothing is listening" clone "$port_url" gone
[[ ! -e gone ]] || die "a failed clone left a folder"
runchanged c c

# Unknown remote names and branches.
fails 3 "no remote 'nope'.*origin" -C c fetch nope
fails 3 "no remote 'nope'" -C c push nope
fails 3 "no remote 'nope'" -C c fetch-data nope
runchanged c c

# A server that dies half-way through a data pack (failpoint: _exit mid-stream).
HANGAR_FAILPOINT=server-mid-pack serve src
ok -C c remote remove origin
ok -C c remote add origin "$URL"
rsnap c c
fails 3 "ended after [0-9]+ records|connection broke" -C c fetch-data origin
runchanged c c
wait "$SERVER_PID" 2>/dev/null || true
HANGAR_FAILPOINT=server-mid-pack serve src
fails 3 "ended after [0-9]+ records|connection broke" clone "$URL" half
[[ ! -e half ]] || die "a failed clone left a folder"
wait "$SERVER_PID" 2>/dev/null || true

# A client that dies mid-push (failpoint: _exit after its first pack piece).
printf 'write w\n' >tokens
serve src --tokens tokens
S=$SERVER_PID
export HANGAR_TOKEN=w
ok -C c remote remove origin
ok -C c remote add origin "$URL"
random_npys big 200 24
ok -C c import more "$T/big"
ok -C c commit -m "more"
rsnap srv src
rsnap c c
set +e
HANGAR_FAILPOINT=push-mid-stream "$HANGAR" -C c push origin >/dev/null 2>&1
rc=$?
set -e
[[ $rc -eq 86 ]] || die "the push failpoint did not fire (exit $rc)"
runchanged srv src
runchanged c c
ok -C c push origin --json
jcheck '.result == "fast-forward" and .chunks == 200' "the server still takes a whole push"
unserve "$S"
unset HANGAR_TOKEN

# A server that speaks only a newer protocol.
HANGAR_TEST_SERVER_PROTOCOL=3 serve src
fails 3 "protocol 3.*upgrade hangar" clone "$URL" newer
[[ ! -e newer ]] || die "a refused clone left a folder"
ok -C c remote add newer "$URL"
rsnap c c
fails 3 "upgrade hangar" -C c fetch newer
runchanged c c
unserve "$SERVER_PID"
