# 'hangar server' itself (issue 15): a second server on a port in use is refused; a read-write
# server does not keep the repository locked (local work goes on beside it, and pushes still
# land); the Authorization scheme is case-insensitive; an oversized token is a clear error.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

ok init src --user-name t --user-email t@example.org
random_npys npys 4
ok -C src import images "$T/npys"
ok -C src commit -m base
ok init other --user-name t --user-email t@example.org
printf 'read rtok\nwrite wtok\n' >tokens
serve src --tokens tokens
S=$SERVER_PID
port=${URL##*:}

# A second server on the same port: exit 3, one clear line, and the first one keeps serving.
# (timeout: a hangar that binds anyway serves until stopped.)
set +e
timeout 10 "$HANGAR" server other --port "$port" >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 3 "port $port is already in use" "server other --port $port"
export HANGAR_TOKEN=rtok
for i in 1 2 3 4; do
  ok clone "$URL" "c$i" --no-data --json
  jcheck '.branch == "main"' "clone $i reaches the first server"
done
unset HANGAR_TOKEN
unserve "$S"
