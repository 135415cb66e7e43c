# 'hangar server' itself: a second server on a port in use is refused; a read-write
# server does not keep the repository locked (local work goes on beside it, and pushes still
# land); 64 idle or half-sent connections do not stop a clone, and connections over
# --max-connections are refused at once; the Authorization scheme is case-insensitive; an
# oversized token is a clear error. Raw connections use bash's /dev/tcp (loopback only).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 4 base
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

# A read-write server holds no lock while idle: local put and commit in its repository work,
# and it serves the local commit (refs are read per request).
random_npys extra 2
ok -C src put images local0 "$T/extra/0000.npy"
ok -C src commit -m "local work beside the server" --json
local_commit=$(jget .commit)
export HANGAR_TOKEN=wtok
ok clone "$URL" w --no-data
ok -C w log -n 1 --json
jq -e --arg c "$local_commit" '.[0].digest == $c' "$OUT" >/dev/null ||
  die "the server serves the commit made locally while it runs"
# A push to it still lands (the server takes the lock only to apply it), then releases it.
ok -C w put images pushed0 "$T/extra/0001.npy"
ok -C w commit -m "pushed" --json
pushed=$(jget .commit)
ok -C w push origin --json
jcheck '.result == "fast-forward"' "push to a server beside local work"
ok -C src log -n 2 --json
jq -e --arg p "$pushed" --arg l "$local_commit" '.[0].digest == $p and .[1].digest == $l' \
  "$OUT" >/dev/null || die "the server's repository has the local and the pushed commit"
# A push that comes while a local writer holds the lock waits for it (here flock(1) holds it
# for a second, as a long 'hangar import' would).
command -v flock >/dev/null || die "flock(1) is required (util-linux)"
flock src/.hangar/lock sleep 1 &
holder=$!
await "the lock holder" bash -c "! flock -n src/.hangar/lock true"
ok -C w put images pushed1 "$T/extra/0000.npy"
ok -C w commit -m "pushed while locked"
ok -C w push origin --json
jcheck '.result == "fast-forward"' "a push waits for a local writer"
wait "$holder"
# The served repository's checked-out branch does not move under its staged changes.
ok -C src put images staged0 "$T/extra/0001.npy"
ok -C w put images pushed2 "$T/extra/0001.npy"
ok -C w commit -m "pushed over staged work"
rsnap srv src
fails 3 "checked out in the served repository, which has staged changes" -C w push origin
runchanged srv src
ok -C src reset
ok -C w push origin
ok -C src put images local1 "$T/extra/0000.npy"
ok -C src commit -m "more local work after the push"
ok clone "$URL" both
ok -C both summary --json
jcheck '.columns[0].count == 9 and .columns[0].local_count == 9' "a clone sees both"
ok -C both get images pushed0 -o "$T/p.npy"
cmp -s "$T/p.npy" "$T/extra/0001.npy" || die "the pushed sample reads back"
ok -C both get images local0 -o "$T/l.npy"
cmp -s "$T/l.npy" "$T/extra/0000.npy" || die "the local sample reads back"
unset HANGAR_TOKEN
ok -C src fsck

# No warning on loopback, tokens or not.
! grep -q warning "$SERVER_LOG" || die "a loopback server warned: $(cat "$SERVER_LOG")"

# 64 connections that sent nothing or half a request head: a clone is still served at once.
conns=()
for ((i = 0; i < 64; i++)); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  conns+=("$fd")
  ((i % 2 == 0)) || printf 'GET /hangar/refs HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&"$fd"
done
export HANGAR_TOKEN=rtok
t0=$EPOCHREALTIME
ok clone "$URL" busy
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
((ms < 5000)) || die "a clone with 64 idle connections open took $ms ms"
[[ -z ${SHOW_TIMES:-} ]] || echo "clone with 64 idle connections open: $ms ms" >&2
for fd in "${conns[@]}"; do exec {fd}>&-; done

# The Authorization scheme in any case (RFC 9110), over a raw connection.
exec {fd}<>"/dev/tcp/127.0.0.1/$port"
printf '%s\r\n' "GET /hangar/refs HTTP/1.1" "Host: 127.0.0.1" "Hangar-Protocol: 2" \
  "authorization: bearer rtok" "Connection: close" "" >&"$fd"
reply=$(head -c 12 <&"$fd")
exec {fd}>&-
[[ $reply == "HTTP/1.1 200" ]] || die "'authorization: bearer' answered '$reply'"

# A token too long for a header: a clear error before anything is sent.
HANGAR_TOKEN=$(head -c 100000 /dev/zero | tr '\0' x) fails 3 "HANGAR_TOKEN is too long" \
  clone "$URL" longtoken
[[ ! -e longtoken ]] || die "a refused clone left a folder"
unset HANGAR_TOKEN
unserve "$S"

# --max-connections 4: four idle connections fill it, the next is refused at once, and closing
# them frees the places.
serve src --max-connections 4
conns=()
for ((i = 0; i < 4; i++)); do
  exec {fd}<>"/dev/tcp/127.0.0.1/${URL##*:}"
  conns+=("$fd")
done
sleep 0.2
fails 3 "503.*server busy.*--max-connections" clone "$URL" refused
for fd in "${conns[@]}"; do exec {fd}>&-; done
sleep 0.2
ok clone "$URL" admitted
unserve "$SERVER_PID"
