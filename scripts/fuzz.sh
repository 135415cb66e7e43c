#!/usr/bin/env bash
# Fuzzes the decoders of outside bytes (fuzz/*_fuzz.cc) under ASan and UBSan: builds the fuzz
# tree (build-fuzz/, scripts/setup.sh hangar_build_fuzz), then runs each target for SECONDS
# (default 60), one after the other, and prints the executions of each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 png jpeg
#
# SECONDS 0 means no time limit; HANGAR_FUZZ_RUNS=N stops each target after N executions
# (whichever limit comes first), e.g. HANGAR_FUZZ_RUNS=1000000 scripts/fuzz.sh 0.
#
# Each target starts from its checked-in corpus (fuzz/corpus/TARGET, never written) plus what
# earlier runs found (build-fuzz/corpus/TARGET, which grows). A finding (crash, sanitizer report,
# leak, an input over the time limit or over the memory limit) is saved as
# build-fuzz/findings/TARGET/crash-* (or leak-, timeout-, oom-); the script then exits 1.
# Reproduce one with `build-fuzz/fuzz/TARGET_fuzz FILE`; once fixed, keep the file in
# fuzz/corpus/TARGET/ as regress-<what> (scripts/test.sh replays it). Run it under `nice` on a
# shared machine: the targets inherit it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

seconds=${1:-60}
shift || true
if [[ ! $seconds =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in "$HANGAR_ROOT"/fuzz/*_fuzz.cc; do
    name=$(basename "$src" .cc)
    targets+=("${name%_fuzz}")
  done
fi

# Largest input per target: room for the seeds and their variations, small enough that each
# execution stays fast (a 16 KiB PNG may still declare ~18 MB of pixels).
max_len() {
  case $1 in
    png | jpeg) echo 16384 ;;
    pack | chunk | record_page) echo 8192 ;;
    schema) echo 1024 ;;
    url) echo 512 ;;
    *) echo 4096 ;;
  esac
}

hangar_install_packages
hangar_build_fuzz

status=0
printf '\n%-12s %12s %10s  %s\n' target executions 'exec/s' result
for t in "${targets[@]}"; do
  bin=$HANGAR_FUZZ_BUILD/fuzz/${t}_fuzz
  if [[ ! -x $bin ]]; then
    echo "hangar: error: no fuzz target '$t' (fuzz/${t}_fuzz.cc)" >&2
    exit 2
  fi
  work=$HANGAR_FUZZ_BUILD/corpus/$t
  findings=$HANGAR_FUZZ_BUILD/findings/$t
  log=$HANGAR_FUZZ_BUILD/findings/$t.log
  mkdir -p "$work" "$findings"
  # -timeout: one input running longer is a finding (a hang); -rss_limit_mb: libFuzzer's
  # default, explicit: more resident memory is a finding (an allocation taken on trust).
  if "$bin" -max_total_time="$seconds" -runs="${HANGAR_FUZZ_RUNS:--1}" \
    -max_len="$(max_len "$t")" -timeout=25 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
    "$work" "$HANGAR_ROOT/fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result="FINDING: see $log and $findings/"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  printf '%-12s %12s %10s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "$result"
done
exit $status
