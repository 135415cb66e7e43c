#!/usr/bin/env bash
# bench/scale_memory.sh [--write] [--baseline DIR] [N...]: peak RSS and wall time of every
# everyday command as the number of samples N grows (target: memory flat in N), on
# Fashion-MNIST-sized images (28x28 gray PNG in 10 class folders, bench_gen_fashion). Per N (default 1000 10000 100000 1000000):
#   import --labels + commit of the N images (once), then, each 3 times with the median kept:
#   summary, log, a whole-column read (bench_read_all), fsck, and on a branch of its own from the
#   base commit: staging 10 changed images (import --recursive), status, commit, diff of the
#   two commits, diff of the staged state.
# Every step is a whole process timed by GNU time (wall s, peak RSS = VmHWM). Generated images
# and repositories live under $BENCH_DATA (default /work/bench-data; the images are kept for
# the next run, the repositories deleted). HANGAR_BIN / BENCH_BIN choose the binaries (default
# build/cli/hangar and build/bench); BENCH_QUIET_LOAD=L starts every step only once the 1-minute
# load average is below L, waiting at most BENCH_QUIET_WAIT seconds (default 900) per step (see
# quiet()). --baseline DIR runs every step a second time with the binaries in DIR (hangar and
# bench_read_all of another build, e.g. format 1; without waiting for the load: only their
# peak RSS is reported) and adds a table of both peak RSS figures. Prints a markdown section; --write also puts it into
# bench/RESULTS.md (replacing the section of the same title).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
write=0
baseline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --write) write=1 ;;
    --baseline)
      baseline=${2:?--baseline needs a folder holding hangar and bench_read_all}
      shift ;;
    *) break ;;
  esac
  shift
done
sizes=${*:-1000 10000 100000 1000000}
H=${HANGAR_BIN:-$root/build/cli/hangar}
B=${BENCH_BIN:-$root/build/bench}
if [ -n "$baseline" ]; then
  for f in hangar bench_read_all; do
    [ -x "$baseline/$f" ] || { echo "scale_memory: no $baseline/$f" >&2; exit 2; }
  done
fi
data=${BENCH_DATA:-/work/bench-data}
[ -x /usr/bin/time ] || { echo "scale_memory: needs GNU time (/usr/bin/time)" >&2; exit 1; }
mkdir -p "$data"
work=$(mktemp -d "$data/scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
tsv=$work/results.tsv
: >"$tsv"

source "$root/bench/quiet.sh"  # quiet, max_load
# timed CMD...: runs CMD under GNU time; "wall rss_kb cpu" into $work/time.
timed() {
  quiet
  if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$work/log" 2>&1; then
    echo "scale_memory: failed: $*" >&2
    cat "$work/log" >&2
    exit 1
  fi
  awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$work/time" >"$work/time.1" && mv "$work/time.1" "$work/time"
}
# record N STEP "wall rss_kb cpu": a TSV row N, step, wall s, peak MB, cpu s (into $tsv: the
# current binaries' results or the baseline's).
record() {
  local wall rss cpu
  read -r wall rss cpu <<<"$3"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$wall" "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')" "$cpu" >>"$tsv"
  echo "scale_memory: ${label}N=$1 $2 ${wall}s (cpu ${cpu}s) $((rss / 1024))MB" >&2
}
median() { printf '%s\n' "$@" | sort -n -k1,1 | sed -n "$(( ($# + 1) / 2 ))p"; }
# step3 N STEP CMD...: 3 runs, the median by wall time.
step3() {
  local n=$1 name=$2 runs=()
  shift 2
  for _ in 1 2 3; do
    timed "$@"
    runs+=("$(cat "$work/time")")
  done
  record "$n" "$name" "$(median "${runs[@]}")"
}

# run_all: every step at every N with $H and $B, rows into $tsv.
run_all() {
  for n in $sizes; do
    src=$data/fashion-$n
    if [ ! -d "$src/changes" ] || [ "$(find "$src/base" -name '*.png' | wc -l)" -lt "$n" ]; then
      echo "scale_memory: generating $n images in $src" >&2
      "$B/bench_gen_fashion" "$src" "$n"
    fi
    r=$work/repo-$n
    "$H" init "$r" >/dev/null
    timed "$H" -C "$r" import images "$src/base" --labels label
    record "$n" import "$(cat "$work/time")"
    timed "$H" -C "$r" commit -m base
    record "$n" commit_base "$(cat "$work/time")"
    base=$("$H" -C "$r" log --json -n 1 | tr -d ' \n' | sed -E 's/^\[\{"digest":"([0-9a-f]+)".*/\1/')
    step3 "$n" summary "$H" -C "$r" summary --json
    step3 "$n" log "$H" -C "$r" log --json
    step3 "$n" read_all "$B/bench_read_all" "$r" images
    step3 "$n" fsck "$H" -C "$r" fsck
    # The 10 changes, 3 times, each on its own branch from the base commit.
    st=() co=() df=() sd=() im=()
    for i in 1 2 3; do
      "$H" -C "$r" branch create "ten$i" "$base" >/dev/null
      "$H" -C "$r" checkout "ten$i" >/dev/null
      timed "$H" -C "$r" import images "$src/changes" --recursive
      im+=("$(cat "$work/time")")
      timed "$H" -C "$r" status --json
      st+=("$(cat "$work/time")")
      timed "$H" -C "$r" diff --json
      sd+=("$(cat "$work/time")")
      timed "$H" -C "$r" commit -m "ten changes"
      co+=("$(cat "$work/time")")
      timed "$H" -C "$r" diff "$base" HEAD --json
      df+=("$(cat "$work/time")")
      changed=$(tr -d ' \n' <"$work/log" | grep -o '"mutated":\[[^]]*\]' | head -1 | grep -o ',' | wc -l)
      [ "$changed" = 9 ] || { echo "scale_memory: diff found $((changed + 1)) changes, not 10" >&2; exit 1; }
    done
    record "$n" import_10 "$(median "${im[@]}")"
    record "$n" status_10 "$(median "${st[@]}")"
    record "$n" diff_staged_10 "$(median "${sd[@]}")"
    record "$n" commit_10 "$(median "${co[@]}")"
    record "$n" diff_10 "$(median "${df[@]}")"
    printf '%s\t%s\t%s\t\t\n' "$n" disk_mb "$(du -sm "$r/.hangar" | cut -f1)" >>"$tsv"
    rm -rf "$r"
  done
}
tsv=$work/results.tsv label="" run_all
tsv=$work/results.tsv
base_tsv=$work/baseline.tsv
: >"$base_tsv"
if [ -n "$baseline" ]; then
  tsv=$base_tsv label="baseline: " H=$baseline/hangar B=$baseline BENCH_QUIET_LOAD="" run_all
  tsv=$work/results.tsv
fi

steps="import commit_base summary log read_all fsck import_10 status_10 diff_staged_10 commit_10 diff_10"
section() {
  echo "## Scale: memory and time as N grows (Fashion-MNIST-sized images)"
  echo
  echo "\`${BENCH_QUIET_LOAD:+BENCH_QUIET_LOAD=$BENCH_QUIET_LOAD }${BENCH_QUIET_WAIT:+BENCH_QUIET_WAIT=$BENCH_QUIET_WAIT }bench/scale_memory.sh${baseline:+ --baseline $baseline} $sizes\` on $(date -u +%Y-%m-%d)"
  echo "($(nproc) cores, shared${BENCH_QUIET_LOAD:+; every step started at a 1-minute load average <= $max_load}). N 28x28 gray"
  echo "PNG images in 10 class folders; every step is a whole process (GNU time): peak RSS in MB /"
  echo "wall time in s (CPU time, user + sys, in brackets: the machine is shared). import = \`import images DIR --labels label\`; read_all = \`bench_read_all\`"
  echo "(every sample of the column through libhangar); *_10 = 10 changed images staged"
  echo "(\`import --recursive\`), then \`status\`, \`diff\` (staged), \`commit\`, \`diff BASE HEAD\`;"
  echo "read-only steps and the *_10 steps are the median of 3 runs."
  echo
  printf '| step |'
  for n in $sizes; do printf ' N = %s |' "$n"; done
  echo
  printf '|---|'
  for _ in $sizes; do printf -- '---|'; done
  echo
  for s in $steps; do
    printf '| %s |' "$s"
    for n in $sizes; do
      awk -F'\t' -v n="$n" -v s="$s" '$1 == n && $2 == s { printf " %s MB / %s s (%s) |", $4, $3, $5; f = 1 }
                                       END { if (!f) printf " - |" }' "$tsv"
    done
    echo
  done
  printf '| repository on disk |'
  for n in $sizes; do
    awk -F'\t' -v n="$n" '$1 == n && $2 == "disk_mb" { printf " %s MB |", $3 }' "$tsv"
  done
  echo
  [ -n "$baseline" ] || return 0
  echo
  echo "Peak RSS in MB, these binaries (the baseline's, \`$baseline\`, in brackets), same steps:"
  echo
  printf '| step |'
  for n in $sizes; do printf ' N = %s |' "$n"; done
  echo
  printf '|---|'
  for _ in $sizes; do printf -- '---|'; done
  echo
  for s in $steps; do
    printf '| %s |' "$s"
    for n in $sizes; do
      awk -F'\t' -v n="$n" -v s="$s" 'FNR == 1 { file++ } $1 == n && $2 == s { mb[file] = $4 }
        END { printf " %s (%s) |", (1 in mb ? mb[1] : "-"), (2 in mb ? mb[2] : "-") }' "$tsv" "$base_tsv"
    done
    echo
  done
}
section | tee "$work/section.md"
if [ $write = 1 ]; then
  res=$root/bench/RESULTS.md
  title="## Scale: memory and time as N grows (Fashion-MNIST-sized images)"
  awk -v t="$title" '$0 == t { skip = 1; next } /^## / { skip = 0 } !skip' "$res" >"$work/rest.md"
  { cat "$work/rest.md"; echo; cat "$work/section.md"; } >"$res"
  echo "scale_memory: wrote the section into bench/RESULTS.md" >&2
fi
