#!/usr/bin/env bash
# Stops or starts only the radosgw of a cluster that tests/s3/rgw-up.sh started (the mon and
# the OSD keep running, so its data stays): for tests of an object store that goes away in the
# middle of a transfer and comes back. By PID, like rgw-down.sh.
# Usage: rgw-ctl.sh ENV_FILE stop|start
set -euo pipefail
ENV_FILE=$1
B=$(sed -n 's/^HANGAR_RGW_DIR=//p' "$ENV_FILE")
ENDPOINT=$(sed -n 's/^HANGAR_S3_ENDPOINT=//p' "$ENV_FILE")
export CEPH_CONF=$B/ceph.conf
ours() {
  [[ -r /proc/$1/environ ]] &&
    [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]] &&
    { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "CEPH_CONF=$CEPH_CONF" &&
    grep -q radosgw "/proc/$1/cmdline" 2>/dev/null
}
case $2 in
  stop)
    for pid in $(cat "$B/pids"); do
      ours "$pid" || continue
      kill -9 "$pid"
      while ours "$pid"; do sleep 0.05; done
    done
    ;;
  start)
    radosgw -f -n client.rgw.a --keyring "$B/rgw.keyring" >>"$B/log/rgw.out" 2>&1 &
    echo $! >>"$B/pids"
    for _ in $(seq 240); do
      curl -sf -o /dev/null "$ENDPOINT/" && exit 0
      sleep 0.25
    done
    echo "hangar: error: rgw-ctl: radosgw did not come back at $ENDPOINT; see $B/log" >&2
    exit 1
    ;;
  *)
    echo "usage: $0 ENV_FILE stop|start" >&2
    exit 2
    ;;
esac
