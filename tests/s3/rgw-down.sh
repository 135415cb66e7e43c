#!/usr/bin/env bash
# Stops a cluster that tests/s3/rgw-up.sh started, by its recorded PIDs only (newest first:
# radosgw, then the OSD, then the mon; radosgw hangs ~2 min on exit when the mon goes first),
# and removes its folder and ENV_FILE. A PID is signalled only while the process still carries
# that cluster's CEPH_CONF, so a recycled PID is never touched. Nothing to stop is success.
#
# Usage: rgw-down.sh ENV_FILE | rgw-down.sh --dir CLUSTER_DIR
# Environment: FAST=1 kills at once (SIGKILL); KEEP=1 keeps the folder (logs).
set -euo pipefail

if (($# == 2)) && [[ $1 == --dir ]]; then
  B=$2
  ENV_FILE=
elif (($# == 1)); then
  ENV_FILE=$1
  [[ -f $ENV_FILE ]] || exit 0
  B=$(sed -n 's/^HANGAR_RGW_DIR=//p' "$ENV_FILE")
else
  echo "usage: $0 ENV_FILE | $0 --dir CLUSTER_DIR" >&2
  exit 2
fi

ours() { # PID: alive (not a zombie) and started for this cluster
  [[ -r /proc/$1/environ ]] &&
    [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]] &&
    { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "CEPH_CONF=$B/ceph.conf"
}

if [[ -n $B && -f $B/pids ]]; then
  for pid in $(tac "$B/pids"); do
    ours "$pid" || continue
    if [[ ${FAST:-0} == 1 ]]; then
      kill -9 "$pid" 2>/dev/null || true
      continue
    fi
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do
      ours "$pid" || break
      sleep 0.1
    done
    ours "$pid" && kill -9 "$pid" 2>/dev/null || true
  done
  for pid in $(cat "$B/pids"); do
    for _ in $(seq 100); do
      ours "$pid" || break
      sleep 0.1
    done
  done
fi
if [[ ${KEEP:-0} != 1 && -n $B && -d $B && -f $B/ceph.conf ]]; then
  rm -rf "$B"
fi
[[ -z $ENV_FILE ]] || rm -f "$ENV_FILE"
