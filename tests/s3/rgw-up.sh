#!/usr/bin/env bash
# Boots a throw-away single-node Ceph RGW (S3) on loopback for hangar's S3 tests, without
# systemd: one mon, one BlueStore OSD on a sparse file and one radosgw, as plain processes in a
# fresh temporary folder, on free loopback ports below 32768 (the kernel hands out 32768+ as
# ephemeral ports). Creates an S3 user with random keys and one bucket, then writes ENV_FILE
# (mode 600, shell syntax, one VAR=value a line):
#   HANGAR_S3_ENDPOINT HANGAR_S3_BUCKET HANGAR_S3_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
#   HANGAR_RGW_DIR HANGAR_RGW_BOOT_SECONDS
#   HANGAR_S3_TLS_ENDPOINT (the same RGW over HTTPS, https://127.0.0.1:PORT) HANGAR_S3_TLS_CA
#   (the PEM file of the private CA that signed its certificate, for SSL_CERT_FILE)
# and prints the endpoint and the boot time (never the secret). tests/s3/rgw-down.sh ENV_FILE
# stops it (by PID) and removes the folder. A cluster ENV_FILE still names is stopped first.
#
# Usage: rgw-up.sh ENV_FILE        Environment: HANGAR_RGW_OSD_BYTES (sparse OSD size, 10 GiB),
#                                  TMPDIR (where the folder goes, /tmp).
# Needs Debian's ceph-mon ceph-osd radosgw ceph-common, curl and python3 (scripts/setup.sh).
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 ENV_FILE" >&2
  exit 2
fi
ENV_FILE=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl python3 \
  openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "hangar: error: rgw-up: '$tool' is not installed; run scripts/setup.sh (installs" \
      "ceph-mon ceph-osd radosgw ceph-common curl)" >&2
    exit 3
  fi
done
[[ -f $ENV_FILE ]] && "$HERE/rgw-down.sh" "$ENV_FILE"

t0=$(date +%s%N)
elapsed() { printf '%d.%03d' $((($(date +%s%N) - t0) / 1000000000)) $(((($(date +%s%N) - t0) / 1000000) % 1000)); }
mark() { echo "$(elapsed) s $*" >>"$B/log/boot.times"; }

B=$(mktemp -d "${TMPDIR:-/tmp}/hangar-rgw.XXXXXX")
mkdir -p "$B"/{log,run,mon.a,osd.0}
: >"$B/log/boot.times"
: >"$B/pids"
export CEPH_CONF=$B/ceph.conf

# Stops what was started so far and says where the logs are (kept for a look).
on_error() {
  local rc=$? line=$1
  echo "hangar: error: rgw-up failed at line $line after $(elapsed) s; logs in $B/log;" \
    "tail of the newest:" >&2
  tail -n 20 "$(ls -t "$B"/log/* 2>/dev/null | head -1)" >&2 2>/dev/null || true
  KEEP=1 "$HERE/rgw-down.sh" --dir "$B" || true
  exit "$rc"
}
trap 'on_error $LINENO' ERR

# Four distinct free loopback ports in [20000, 32000): mon v1, mon v2, rgw, rgw over TLS.
read -r MON1 MON2 RGW RGWS < <(/usr/bin/python3 - <<'EOF'
import random, socket
ports = []
while len(ports) < 4:
    p = random.randrange(20000, 32000)
    if p in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        ports.append(p)
    except OSError:
        pass
    finally:
        s.close()
print(*ports)
EOF
)

# A private CA and a certificate for 127.0.0.1 that it signed: RGW's HTTPS endpoint, which the
# TLS tests reach with SSL_CERT_FILE=ca.pem (and fail to verify without it).
mkdir -p "$B/tls"
(
  cd "$B/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.pem -days 3 -subj /CN=hangar-test-rgw-ca 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rgw.key -out rgw.csr \
    -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >rgw.ext
  openssl x509 -req -in rgw.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 \
    -extfile rgw.ext -out rgw.pem 2>/dev/null
)

FSID=$(cat /proc/sys/kernel/random/uuid)
MON_HOST="[v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]"
cat >"$CEPH_CONF" <<EOF
[global]
fsid = $FSID
mon host = $MON_HOST
public addr = 127.0.0.1
cluster addr = 127.0.0.1
keyring = $B/keyring
run dir = $B/run
admin socket = $B/run/\$name.asok
log file = $B/log/\$name.log
crash dir = $B/crash
auth allow insecure global id reclaim = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
[mon]
mon data = $B/mon.\$id
# The default 1 s makes each of the ~20 map changes of a boot wait: ~16 s instead of ~5 s.
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $B/osd.\$id
keyring = $B/osd.\$id/keyring
bluestore block create = true
bluestore block size = ${HANGAR_RGW_OSD_BYTES:-10737418240}
osd memory target = 939524096
[client.rgw.a]
# tcp_nodelay: else a small GET reply waits ~40 ms (Nagle against the client's delayed ACK).
rgw frontends = beast endpoint=127.0.0.1:$RGW ssl_endpoint=127.0.0.1:$RGWS ssl_certificate=$B/tls/rgw.pem ssl_private_key=$B/tls/rgw.key tcp_nodelay=1
rgw thread pool size = 64
rgw dns name = 127.0.0.1
EOF

ceph-authtool --create-keyring "$B/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$B/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
  --cap mgr 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "$MON_HOST" "$B/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$B/monmap" --keyring "$B/keyring" >"$B/log/mon.mkfs" 2>&1
ceph-mon -f -i a >"$B/log/mon.out" 2>&1 &
echo $! >>"$B/pids"
ceph --connect-timeout 30 -s >/dev/null
mark "mon in quorum"

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_KEY=$(ceph-authtool --gen-print-key)
printf '[osd.0]\n\tkey = %s\n' "$OSD_KEY" >"$B/osd.0/keyring"
printf '{"cephx_secret": "%s"}\n' "$OSD_KEY" >"$B/osd.0/new.json"
[[ $(ceph osd new "$OSD_UUID" -i "$B/osd.0/new.json") == 0 ]]
ceph-osd -i 0 --mkfs --key "$OSD_KEY" --osd-uuid "$OSD_UUID" >"$B/log/osd.mkfs" 2>&1
ceph-osd -f -i 0 >"$B/log/osd.out" 2>&1 &
echo $! >>"$B/pids"
for _ in $(seq 120); do
  ceph osd dump 2>/dev/null | grep -q '^osd.0 up' && break
  sleep 0.25
done
ceph osd dump | grep -q '^osd.0 up'
mark "osd up"

ceph auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' >"$B/rgw.keyring"
radosgw -f -n client.rgw.a --keyring "$B/rgw.keyring" >"$B/log/rgw.out" 2>&1 &
echo $! >>"$B/pids"
ENDPOINT=http://127.0.0.1:$RGW
for _ in $(seq 240); do
  curl -sf -o /dev/null "$ENDPOINT/" && break
  sleep 0.25
done
curl -sf -o /dev/null "$ENDPOINT/"
TLS_ENDPOINT=https://127.0.0.1:$RGWS
curl -sf -o /dev/null --cacert "$B/tls/ca.pem" "$TLS_ENDPOINT/"
mark "rgw answers"

# Random keys for this cluster only: 20 and 40 characters like AWS's.
KEY=HGR$(head -c 512 /dev/urandom | tr -dc 'A-Z0-9' | head -c 17)
SECRET=$(head -c 1024 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 40)
radosgw-admin user create --uid=hangar-test --display-name=hangar-test \
  --access-key="$KEY" --secret-key="$SECRET" >/dev/null
BUCKET=hangar-test
REGION=us-east-1
# The secret goes to curl through a file, not its command line (visible in ps).
umask 077
printf 'user = "%s:%s"\n' "$KEY" "$SECRET" >"$B/curl.conf"
curl -sf -o /dev/null -K "$B/curl.conf" --aws-sigv4 "aws:amz:$REGION:s3" \
  -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -X PUT "$ENDPOINT/$BUCKET"
rm -f "$B/curl.conf"
mark "user and bucket made"

SECONDS_TAKEN=$(elapsed)
{
  echo "HANGAR_S3_ENDPOINT=$ENDPOINT"
  echo "HANGAR_S3_BUCKET=$BUCKET"
  echo "HANGAR_S3_REGION=$REGION"
  echo "HANGAR_S3_TLS_ENDPOINT=$TLS_ENDPOINT"
  echo "HANGAR_S3_TLS_CA=$B/tls/ca.pem"
  echo "AWS_ACCESS_KEY_ID=$KEY"
  echo "AWS_SECRET_ACCESS_KEY=$SECRET"
  echo "HANGAR_RGW_DIR=$B"
  echo "HANGAR_RGW_BOOT_SECONDS=$SECONDS_TAKEN"
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
trap - ERR
echo "rgw up in $SECONDS_TAKEN s: $ENDPOINT bucket $BUCKET (pids $(tr '\n' ' ' <"$B/pids")); env in $ENV_FILE"
