# TLS (docs/decisions/0018-tls.md): 'hangar server --tls-cert --tls-key' with a
# private CA and certificates made here with openssl(1). Over https:// with the CA in
# SSL_CERT_FILE, clone, fetch, fetch-data, lazy reads and push work and the data is identical;
# without the CA, or with a certificate made out to another host, the client refuses with one
# line that names the URL and what to do; --insecure (per command, or remembered by 'clone' and
# 'remote add|set-url') connects; plain HTTP and HTTPS meeting the wrong server fail at once;
# bad certificate or key files stop the server before it starts.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"
command -v openssl >/dev/null || die "openssl(1) is required (apt-get install openssl)"

# The trust store is what this script says, not what the machine's environment holds.
unset SSL_CERT_FILE SSL_CERT_DIR HANGAR_TOKEN

# A private CA, and server certificates it signs: issue NAME SUBJECT_ALT_NAMES.
mkdir pki
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=hangar test CA" -keyout pki/ca.key -out pki/ca.pem 2>/dev/null
issue() {
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" \
    >"pki/$1.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
    -keyout "pki/$1.key" -out "pki/$1.csr" 2>/dev/null
  openssl x509 -req -in "pki/$1.csr" -CA pki/ca.pem -CAkey pki/ca.key -CAcreateserial -days 2 \
    -extfile "pki/$1.ext" -out "pki/$1.pem" 2>/dev/null
}
issue server "IP:127.0.0.1,DNS:localhost"
issue elsewhere "DNS:data.example.org"
openssl pkey -in pki/server.key -aes256 -passout pass:secret -out pki/encrypted.key

make_src 6 base
ok -C src export images "$T/want" --format npy
printf 'write wtok\n' >tokens

# Bad certificate or key files: exit 3 (2 for a missing option), one line, nothing started (no
# port file). (timeout: a server that starts anyway serves until stopped.)
server_fails() {
  local code=$1 pattern=$2
  shift 2
  rm -f "$T/bad.port"
  set +e
  timeout 10 "$HANGAR" server src --port 0 --port-file "$T/bad.port" "$@" >"$OUT" 2>"$ERR" \
    </dev/null
  RC=$?
  set -e
  failed "$code" "$pattern" "server $*"
  [[ ! -e $T/bad.port ]] || die "server $* started listening"
}
server_fails 3 "TLS certificate '.*missing.pem' does not exist" \
  --tls-cert pki/missing.pem --tls-key pki/server.key
server_fails 3 "TLS certificate 'pki/server.key' holds no PEM certificate" \
  --tls-cert pki/server.key --tls-key pki/server.key
server_fails 3 "TLS key 'pki/server.pem' holds no PEM private key" \
  --tls-cert pki/server.pem --tls-key pki/server.pem
server_fails 3 "TLS key 'pki/elsewhere.key' is not the private key of TLS certificate 'pki/server.pem'" \
  --tls-cert pki/server.pem --tls-key pki/elsewhere.key
server_fails 3 "TLS key 'pki/encrypted.key' is encrypted with a passphrase" \
  --tls-cert pki/server.pem --tls-key pki/encrypted.key
server_fails 2 "--tls-cert requires --tls-key" --tls-cert pki/server.pem

# A TLS server: its URL is https://.
serve src --tokens tokens --tls-cert pki/server.pem --tls-key pki/server.key
port=${URL##*:}
URL=https://127.0.0.1:$port
grep -q "at $URL (read-write)" "$SERVER_LOG" || die "the server names its https URL: $(cat "$SERVER_LOG")"
! grep -q warning "$SERVER_LOG" || die "a loopback TLS server warned: $(cat "$SERVER_LOG")"

# Without the CA the client refuses, naming the URL and what to do; nothing is left behind.
fails 3 "remote $URL .*cannot verify its TLS certificate .*SSL_CERT_FILE=CA.pem, or skip the check with --insecure" \
  clone "$URL" c0
[[ ! -e c0 ]] || die "a refused clone left its folder"

# With the CA in SSL_CERT_FILE: clone, push, fetch, fetch-data and lazy reads, identical data.
export SSL_CERT_FILE=$T/pki/ca.pem HANGAR_TOKEN=wtok
ok clone "$URL" c1 --json
jcheck '.samples == 6 and .chunks == 6' "the clone over https brought every sample"
ok -C c1 export images "$T/got1" --format npy
diff -r "$T/want" "$T/got1" >/dev/null || die "a clone over https holds the same samples"
ok clone "https://localhost:$port" c2 --no-data
make_npy "$T/new0.npy" '|u1' 32,32,3 "$(patternhex 3072 99)"
ok -C c1 put images new0 "$T/new0.npy"
ok -C c1 commit -m "over tls" --json
pushed=$(jget .commit)
ok -C c1 push origin --json
jcheck '.result == "fast-forward" and .chunks == 1' "a push over https"
ok -C src get images new0 -o "$T/pushed.npy"
cmp -s "$T/pushed.npy" "$T/new0.npy" || die "the pushed sample is on the server, identical"
ok -C c2 fetch origin --json
jq -e --arg p "$pushed" '.updated[0].new == $p' "$OUT" >/dev/null || die "a fetch over https"
ok -C c2 merge origin/main
ok -C c2 fetch-data origin --json
jcheck '.chunks_missing == 7 and .chunks == 7' "fetch-data over https brought the missing chunks"
ok -C c2 get images new0 -o "$T/new0b.npy"
cmp -s "$T/new0b.npy" "$T/new0.npy" || die "fetch-data over https: identical"
ok clone --lazy "$URL" c3
ok -C c3 export images "$T/got3" --format npy
[[ $(find "$T/got3" -name '*.npy' | wc -l) -eq 7 ]] || die "lazy reads over https bring every sample"
cmp -s "$T/got3/new0.npy" "$T/new0.npy" || die "lazy reads over https: identical"

# Plain HTTP to the HTTPS server: the server says in clear to use https://.
fails 3 "remote http://127.0.0.1:$port .*answered HTTP 400: this hangar server speaks HTTPS only .*use https://" \
  clone "http://127.0.0.1:$port" c4
unset HANGAR_TOKEN

# A certificate made out to another host: refused for 127.0.0.1 and for localhost.
serve src --tls-cert pki/elsewhere.pem --tls-key pki/elsewhere.key
other=https://127.0.0.1:${URL##*:}
fails 3 "remote $other .*its TLS certificate is not made out to '127.0.0.1'.*--insecure" \
  clone "$other" c5
fails 3 "not made out to 'localhost'" clone "https://localhost:${URL##*:}" c5
# --insecure connects, and clone remembers it for origin: fetches and lazy reads work after.
ok clone --insecure --lazy "$other" c5
ok -C c5 remote list --json
jcheck '.[0].insecure == true' "clone --insecure marks origin"
ok -C c5 get images 0003 -o "$T/lazy.npy"
cmp -s "$T/lazy.npy" "$T/npys/0003.npy" || die "a lazy read from an insecure remote"
ok -C c5 fetch origin
# set-url without --insecure verifies again; the flag on one command is enough for that one.
ok -C c5 remote set-url origin "$other"
fails 3 "not made out to '127.0.0.1'" -C c5 fetch origin
ok -C c5 fetch origin --insecure
ok -C c5 remote add again "$other" --insecure --json
jcheck '.insecure == true' "remote add --insecure"
ok -C c5 fetch again
ok -C c5 remote list
grep -Eq "^again +$other \(insecure: its TLS certificate is not verified\)$" "$OUT" ||
  die "remote list shows which remotes are not verified"
fails 2 "--insecure is for https://, http:// and s3:// remotes" -C c5 remote add plain "$T/src" --insecure

# HTTPS to a plain HTTP server: the handshake fails at once, saying to use http://.
serve src
plain=${URL##*:}
t0=$EPOCHREALTIME
fails 3 "remote https://127.0.0.1:$plain .*TLS handshake failed.*use an http:// URL" \
  clone "https://127.0.0.1:$plain" c6
t1=$EPOCHREALTIME
ms=$(((${t1/./} - ${t0/./}) / 1000))
((ms < 3000)) || die "https to a plain server failed only after $ms ms"

ok -C src fsck
