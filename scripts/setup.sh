# Shared set-up for scripts/test.sh, scripts/demo.sh and scripts/fuzz.sh (sourced, not run):
# installs the Debian packages that are missing, builds hangar into build/ (Release, Ninja,
# warnings as errors), installs the Python package `hangar` for Debian's /usr/bin/python3, and
# builds the fuzz targets into build-fuzz/ (clang, ASan + UBSan).
# Environment: HANGAR_BUILD (default <repo>/build), HANGAR_FUZZ_BUILD (default
# <repo>/build-fuzz), HANGAR_JOBS (parallel jobs, default 2).

HANGAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HANGAR_BUILD=${HANGAR_BUILD:-$HANGAR_ROOT/build}
HANGAR_FUZZ_BUILD=${HANGAR_FUZZ_BUILD:-$HANGAR_ROOT/build-fuzz}
HANGAR_JOBS=${HANGAR_JOBS:-2}

# Everything the build, the tests and the demo need (Debian 12 names).
HANGAR_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  liblmdb-dev libxxhash-dev xxhash libssl-dev libzstd-dev libhdf5-dev
  libcli11-dev nlohmann-json3-dev catch2 libcpp-httplib-dev
  libspng-dev libjpeg-dev jq
  # the TLS tests make their CA and certificates with openssl(1) (tests/cli/remote_tls.sh)
  openssl
  # the S3 client (s3/) and its tests against a real Ceph RGW (tests/s3/rgw-up.sh)
  libcurl4-openssl-dev curl ceph-mon ceph-osd radosgw ceph-common
  # the Python package (python/) and its tests; h5py for the hdf5 interop test
  pybind11-dev python3-dev python3-numpy python3-torch python3-pytest python3-h5py
  python3-venv python3-pip python3-setuptools python3-wheel
  # the fuzz targets (fuzz/): clang with its libFuzzer, ASan and UBSan runtimes
  # (libclang_rt.fuzzer/asan/ubsan_standalone-x86_64.a are in libclang-rt-14-dev), and
  # llvm-symbolizer (llvm-14) for file:line frames in sanitizer reports
  clang libclang-rt-14-dev llvm-14
  # the style tests (tests/style/): the checked-in .clang-format and .clang-tidy
  clang-format clang-tidy
)
# Debian's interpreter: numpy and torch above are installed for it (a pyenv or conda python3
# first on PATH has neither).
HANGAR_PYTHON=${HANGAR_PYTHON:-/usr/bin/python3}

hangar_is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Installs only what is missing; runs 'apt-get update' first, and sudo only when not root.
hangar_install_packages() {
  local missing=() pkg
  for pkg in "${HANGAR_PACKAGES[@]}"; do
    hangar_is_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  echo "==> installing missing packages: ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

hangar_build() {
  echo "==> configuring $HANGAR_BUILD"
  cmake -S "$HANGAR_ROOT" -B "$HANGAR_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DHANGAR_WERROR=ON -DPython_EXECUTABLE="$HANGAR_PYTHON"
  echo "==> building with -j$HANGAR_JOBS"
  cmake --build "$HANGAR_BUILD" -j "$HANGAR_JOBS"
  hangar_install_python
}

# Installs the Python package into the interpreter's site-packages for local packages
# (/usr/local/lib/python3.X/dist-packages on Debian), so that `python3 -c "import hangar"`
# works with no variables set.
hangar_install_python() {
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  echo "==> installing the Python package for $HANGAR_PYTHON"
  "${sudo[@]}" cmake --install "$HANGAR_BUILD" --component python >/dev/null
  (cd / && "$HANGAR_PYTHON" -c "import hangar") ||
    { echo "hangar: error: the installed Python package does not import" >&2; return 1; }
}

# Builds the fuzz targets and the corpus generator (fuzz/, HANGAR_FUZZ=ON) into
# $HANGAR_FUZZ_BUILD: clang, ASan + UBSan, and only the libraries the targets link (no CLI,
# tests, Python module, examples or benchmarks).
hangar_build_fuzz() {
  echo "==> configuring $HANGAR_FUZZ_BUILD (clang, ASan + UBSan, libFuzzer)"
  cmake -S "$HANGAR_ROOT" -B "$HANGAR_FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHANGAR_FUZZ=ON \
    -DHANGAR_BUILD_TESTS=OFF -DHANGAR_BUILD_PYTHON=OFF -DHANGAR_BUILD_EXAMPLES=OFF \
    -DHANGAR_BUILD_BENCH=OFF
  echo "==> building the fuzz targets with -j$HANGAR_JOBS"
  cmake --build "$HANGAR_FUZZ_BUILD" -j "$HANGAR_JOBS" --target hangar_fuzzers
  # Sanitizer reports name file:line when the symbolizer is found.
  if [[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]]; then
    export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
  fi
}
