#!/usr/bin/env bash
# bench/python_loader.sh: the Python training-loop benchmark. Samples/s into a
# training loop on workloads A (5,000 x 64x64x3) and C (20,000 x 32x32x3) for hangar's Python
# package (col[key], get_batch, hangar.torch.Dataset through DataLoader, ds.loader), hangar-py
# 0.5.2's make_torch_dataset and the in-RAM ceiling (TensorDataset), all measured in this run,
# plus DataLoader workers' peak RSS. Prints the tables, writes bench/out/python_loader_W.{tsv,json}
# and the "Python training loop (issue 12)" section of bench/RESULTS.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: bench/python_loader.sh [--build DIR] [--only A|C] [--epochs N] [--no-ours] [--no-results-md]

  --build DIR      the build holding the Python package (DIR/python/hangar/_hangar*.so), the
                   CLI (DIR/cli/hangar) and the bench programs (DIR/bench); default: build/
                   (bench/run.sh's build-bench/ is used for the CLI and bench programs when DIR
                   has none)
  --only A|C       one workload (default: both)
  --epochs N       timed epochs per row after the warm-up epoch (default 3; the median is kept)
  --no-ours        only the ceiling and hangar-py rows (no Python package needed)
  --no-results-md  do not update bench/RESULTS.md (the section still goes to
                   bench/out/python_loader.md)

Needs Debian's /usr/bin/python3 with python3-numpy and python3-torch. hangar-py is installed into
/opt/hangar-py-venv (HANGAR_PY_PYTHON, default /opt/hangar-py-venv/bin/python) by
../shared/peers/setup_hangar_py.sh from its mirror (HANGAR_PY_GIT, default
/work/.mirror/tensorwerk+hangar-py/repo) when missing; without the mirror its rows are skipped.
--no-ours writes bench/out/python_loader_W.no-ours.* and leaves RESULTS.md alone. Workloads are generated (seeded) into bench/out/data as bench/run.sh
does; repositories go to bench/out/pyloader (hangar-py's is kept between runs)."

build=$root/build
only=""
epochs=3
no_ours=0
results_md=1
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(cd "${2:?--build needs a folder}" && pwd) || { echo "bench: no folder '$2'" >&2; exit 2; }; shift 2 ;;
    --only)
      only=${2:-}
      case "$only" in A | C) ;; *) echo "bench: --only needs A or C" >&2; echo "$usage" >&2; exit 2 ;; esac
      shift 2 ;;
    --epochs)
      epochs=${2:-}
      [[ "$epochs" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --epochs needs a positive number" >&2; exit 2; }
      shift 2 ;;
    --no-ours) no_ours=1; shift ;;
    --no-results-md) results_md=0; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "bench: unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3
script=$root/bench/python_loader.py
out=$root/bench/out
data=$out/data
work=$out/pyloader
die() { echo "bench: $*" >&2; exit 1; }

[ -x $PY ] || die "$PY is missing (Debian's python3; apt-get install python3 python3-numpy python3-torch)"
$PY -c 'import numpy, torch' 2>/dev/null ||
  die "$PY cannot import numpy and torch (apt-get install python3-numpy python3-torch)"

# Our package, the CLI and the bench programs.
if [ $no_ours = 0 ]; then
  compgen -G "$build/python/hangar/_hangar*.so" >/dev/null ||
    die "no Python package in $build/python (hangar/_hangar*.so): build it first, e.g.
  cmake -S $root -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DHANGAR_BUILD_PYTHON=ON && ninja -C $build
(or pass --build DIR; --no-ours measures only the ceiling and hangar-py)"
  PYTHONPATH=$build/python $PY -c 'import hangar, hangar.torch' ||
    die "PYTHONPATH=$build/python $PY cannot import hangar and hangar.torch (error above)"
  bt=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
  [ "$bt" = Release ] || echo "bench: warning: $build is a '${bt:-unknown}' build, not Release" >&2
fi
tools=""
for d in "$build" "$root/build-bench"; do
  if [ -x "$d/cli/hangar" ] && [ -x "$d/bench/bench_gen_workload" ] && [ -x "$d/bench/bench_read_all" ]; then
    tools=$d
    break
  fi
done
[ -n "$tools" ] || die "no CLI and bench programs in $build or $root/build-bench (cli/hangar,
bench/bench_gen_workload, bench/bench_read_all): build with -DHANGAR_BUILD_BENCH=ON, or run bench/run.sh"
H=$tools/cli/hangar
[ "$tools" = "$build" ] || echo "bench: CLI and bench programs from $tools" >&2

# hangar-py, installed when missing.
peer_py=${HANGAR_PY_PYTHON:-/opt/hangar-py-venv/bin/python}
peer_git=${HANGAR_PY_GIT:-/work/.mirror/tensorwerk+hangar-py/repo}
setup=$root/../shared/peers/setup_hangar_py.sh
peer_ok() { [ -x $peer_py ] && $peer_py -c 'import hangar, torch, PIL; from hangar.dataset import make_torch_dataset; assert hangar.__version__ == "0.5.2"' >/dev/null 2>&1; }
if ! peer_ok; then
  if [ -d "$peer_git" ] && [ -f "$setup" ]; then
    echo "bench: installing hangar-py 0.5.2 ($setup $peer_git; about a minute)" >&2
    bash "$setup" "$peer_git" >"$out/setup_hangar_py.log" 2>&1 ||
      die "the hangar-py set-up failed; see $out/setup_hangar_py.log"
    peer_ok || die "hangar-py does not import after the set-up; see $out/setup_hangar_py.log"
  else
    echo "bench: NOTE: hangar-py rows skipped: no hangar-py mirror at $peer_git (or no $setup)" >&2
    peer_py=""
  fi
fi
[ $no_ours = 0 ] || [ -n "$peer_py" ] || die "--no-ours needs hangar-py (to decode the samples)"

mkdir -p "$out" "$data" "$work"
suffix=""
[ $no_ours = 0 ] || suffix=.no-ours  # does not replace the figures RESULTS.md refers to
t_start=$(date +%s)
results=()

run_workload() {
  local w=$1 n=$2 size=$3
  local src=$data/$w-$n-$size dir=$work/$w
  if [ ! -f "$src/deletes.txt" ]; then
    echo "bench: generating workload $w ($n x ${size}x${size}x3)" >&2
    rm -rf "$src"
    "$tools/bench/bench_gen_workload" "$src" "$n" "$size"
  fi
  mkdir -p "$dir"
  # Class folders c0..c9 (key % 10) of hard links, for --labels.
  if [ "$(cat "$dir/classes.done" 2>/dev/null)" != "$n" ]; then
    $PY "$script" classes --src "$src/base" --dst "$dir/classes" >/dev/null
    echo "$n" >"$dir/classes.done"
  fi
  # Our repository, made afresh by the CLI of this build (about a second).
  rm -rf "$dir/repo"
  "$H" init "$dir/repo" >/dev/null
  "$H" -C "$dir/repo" import images "$dir/classes" --labels labels --jobs 2 >/dev/null
  "$H" -C "$dir/repo" commit -m base >/dev/null
  # hangar-py's repository and the in-RAM arrays (decoded with PIL), kept between runs.
  if [ -n "$peer_py" ]; then
    if [ "$(cat "$dir/hangarpy.done" 2>/dev/null)" != "$n" ]; then
      echo "bench: building hangar-py's repository of $w (untimed, once)" >&2
      rm -f "$dir/hangarpy.done" "$dir/arrays.done"
      env -u PYTHONPATH $peer_py "$script" peer-build --src "$dir/classes" --repo "$dir/hangarpy" \
        --arrays "$dir/arrays" >/dev/null
      echo "$n" >"$dir/hangarpy.done"
      echo "$n" >"$dir/arrays.done"
    fi
  elif [ "$(cat "$dir/arrays.done" 2>/dev/null)" != "$n" ]; then
    PYTHONPATH=$build/python $PY "$script" arrays --repo "$dir/repo" --arrays "$dir/arrays" >/dev/null
    echo "$n" >"$dir/arrays.done"
  fi
  # The C++ in-process read rate: median of 3.
  local rates=()
  for _ in 1 2 3; do
    rates+=("$("$tools/bench/bench_read_all" "$dir/repo" images | awk -F'\t' '$1 == "read_rate" {print $2}')")
  done
  local cxx
  cxx=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
  local opts=(--workload "$w" --repo "$dir/repo" --arrays "$dir/arrays" --cxx-rate "$cxx"
    --out "$out/python_loader_$w$suffix" --epochs "$epochs")
  [ -z "$peer_py" ] || opts+=(--peer-python "$peer_py" --peer-repo "$dir/hangarpy")
  [ $no_ours = 0 ] || opts+=(--no-ours)
  PYTHONPATH=$build/python $PY "$script" run "${opts[@]}"
  results+=("$out/python_loader_$w$suffix.json")
}

case "$only" in
  A) run_workload A 5000 64 ;;
  C) run_workload C 20000 32 ;;
  *) run_workload A 5000 64; run_workload C 20000 32 ;;
esac

cmd="bash bench/python_loader.sh${args[*]:+ ${args[*]}}"
md_opts=(--results "${results[@]}" --command "$cmd" --out-md "$out/python_loader$suffix.md")
[ $results_md = 0 ] || [ $no_ours = 1 ] || md_opts+=(--results-md "$root/bench/RESULTS.md")
$PY "$script" report "${md_opts[@]}"
echo "bench: $(($(date +%s) - t_start)) s; wrote bench/out/python_loader_*$suffix.{tsv,json} and bench/out/python_loader$suffix.md$(
  [ $results_md = 0 ] || [ $no_ours = 1 ] || echo ' and the section of bench/RESULTS.md')" >&2
