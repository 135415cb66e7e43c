# The S3 data plane over HTTPS: an S3-backed server whose --s3-endpoint is the RGW's
# TLS endpoint (a certificate for 127.0.0.1 from a private CA, tests/s3/rgw-up.sh), and clients
# that fetch and upload through presigned https:// URLs with libcurl. Both honour what hangar's
# https:// remotes honour: SSL_CERT_FILE / SSL_CERT_DIR for a private CA, --insecure (and
# remote.NAME.insecure) on clients, --s3-insecure on the server; the serverless s3:// clone too.
# A wrong or missing CA fails with one line naming the certificate problem, exit 3.
# Usage: bash tests/s3/tls_s3.sh /path/to/hangar
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
source "$here/s3_lib.sh"
[[ -n ${HANGAR_S3_TLS_ENDPOINT:-} && -f ${HANGAR_S3_TLS_CA:-} ]] ||
  die "the RGW fixture has no TLS endpoint (HANGAR_S3_TLS_ENDPOINT, HANGAR_S3_TLS_CA)"
unset SSL_CERT_FILE SSL_CERT_DIR
CA=$HANGAR_S3_TLS_CA
TLS=$HANGAR_S3_TLS_ENDPOINT
PREFIX=$(s3_prefix tls)
STORE=s3://$HANGAR_S3_BUCKET/$PREFIX

# Another CA, which signed nothing RGW presents.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" \
  -out "$T/other-ca.pem" -days 2 -subj /CN=not-rgw-ca 2>/dev/null
# SSL_CERT_DIR: a hashed folder that holds the CA.
mkdir "$T/cadir"
cp "$CA" "$T/cadir/rgw-ca.pem"
openssl rehash "$T/cadir" 2>/dev/null || c_rehash "$T/cadir" >/dev/null

ok init src --user-name t --user-email t@example.org
random_npys npys 12
ok -C src import images "$T/npys"
ok -C src commit -m base
ok -C src export images "$T/want" --format npy
ok init srv
printf 'read rtok\nwrite wtok\n' >tokens

# The server's own signed requests: without the CA it refuses to start, naming the problem.
set +e
timeout 60 "$HANGAR" server srv --port 0 --tokens tokens --store "$STORE" --s3-endpoint "$TLS" \
  >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 3 "cannot verify the TLS certificate of the object store at $TLS .*the system's CA certificates.*SSL_CERT_FILE=CA.pem.*--s3-insecure" \
  "server --s3-endpoint $TLS (no CA)"
set +e
SSL_CERT_FILE=$T/other-ca.pem timeout 60 "$HANGAR" server srv --port 0 --tokens tokens \
  --store "$STORE" --s3-endpoint "$TLS" >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 3 "cannot verify the TLS certificate .*SSL_CERT_FILE '$T/other-ca.pem'" \
  "server --s3-endpoint $TLS (wrong CA)"
# --s3-insecure: the server starts (and says nothing of it to clients, who verify themselves).
serve srv --tokens tokens --store "$STORE" --s3-endpoint "$TLS" --s3-insecure
unserve "$SERVER_PID"
# With the CA it serves; its URLs are https://.
SSL_CERT_FILE=$CA serve srv --tokens tokens --store "$STORE" --s3-endpoint "$TLS"
grep -qF "chunk data in $STORE/ at $TLS" "$SERVER_LOG" || die "server banner names the TLS store"

# Push: the client uploads through presigned https:// PUT URLs.
export HANGAR_TOKEN=wtok
ok -C src remote add origin "$URL"
fails 3 "PUT $TLS/.*cannot verify the TLS certificate .*system's CA certificates.*--insecure" \
  -C src push origin
SSL_CERT_FILE=$T/other-ca.pem run -C src push origin
failed 3 "cannot verify the TLS certificate .*SSL_CERT_FILE '$T/other-ca.pem'" "push (wrong CA)"
SSL_CERT_FILE=$T/nonexistent.pem run -C src push origin
failed 3 "SSL_CERT_FILE '$T/nonexistent.pem' \(which cannot be read" "push (missing CA file)"
SSL_CERT_FILE=$CA ok -C src push origin --json
jcheck '.result == "created" and .chunks == 12' "push over TLS with SSL_CERT_FILE"

# Clone: presigned https:// GET URLs.
export HANGAR_TOKEN=rtok
fails 3 "GET $TLS/.*cannot verify the TLS certificate .*--insecure" clone "$URL" c0
[[ ! -e c0 ]] || die "a failed clone left its folder"
SSL_CERT_FILE=$CA ok clone "$URL" c1
ok -C c1 export images "$T/got1" --format npy
diff -r "$T/want" "$T/got1" >/dev/null || die "clone over TLS (SSL_CERT_FILE) differs"
SSL_CERT_DIR=$T/cadir ok clone "$URL" c2
ok -C c2 export images "$T/got2" --format npy
diff -r "$T/want" "$T/got2" >/dev/null || die "clone over TLS (SSL_CERT_DIR) differs"
# --insecure on the command; remote.origin.insecure (set by clone --insecure) for what follows.
ok clone "$URL" c3 --insecure --no-data
ok -C c3 fetch-data origin
ok -C c3 export images "$T/got3" --format npy
diff -r "$T/want" "$T/got3" >/dev/null || die "clone --insecure + fetch-data differs"
ok clone "$URL" c4 --lazy
fails 3 "cannot verify the TLS certificate" -C c4 get images 0003 -o "$T/lazy.npy"
ok -C c4 remote set-url origin "$URL" --insecure
ok -C c4 get images 0003 -o "$T/lazy.npy"
cmp -s "$T/lazy.npy" "$T/npys/0003.npy" || die "lazy read over TLS differs"
unset HANGAR_TOKEN

# Serverless: the bucket over HTTPS with the user's own credentials.
export AWS_ENDPOINT_URL=$TLS
fails 3 "cannot verify the TLS certificate of the object store at $TLS" clone "$STORE" s0
SSL_CERT_FILE=$CA ok clone "$STORE" s1
ok -C s1 export images "$T/gots1" --format npy
diff -r "$T/want" "$T/gots1" >/dev/null || die "s3:// clone over TLS differs"
ok clone "$STORE" s2 --insecure
ok -C s2 export images "$T/gots2" --format npy
diff -r "$T/want" "$T/gots2" >/dev/null || die "s3:// clone --insecure differs"
unset AWS_ENDPOINT_URL
echo "tls_s3: ok"
