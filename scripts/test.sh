#!/usr/bin/env bash
# Installs missing Debian packages, builds build/ (Release, -Werror) and runs every test:
# unit tests per module and the end-to-end CLI tests (tests/cli/*.sh) with ctest, then the
# Python package's pytest suite (python/tests) against the build, then clang-tidy over the
# production sources, then replays the fuzz corpora (fuzz/corpus) under ASan and UBSan in
# build-fuzz/. Exits non-zero on failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

hangar_install_packages
hangar_build
echo "==> running tests"
ctest --test-dir "$HANGAR_BUILD" --output-on-failure -j "$HANGAR_JOBS"
echo "==> running the Python tests"
cd "$HANGAR_ROOT"
PYTHONPATH="$HANGAR_BUILD/python" HANGAR_CLI="$HANGAR_BUILD/cli/hangar" \
  HANGAR_CMAKE_BUILD_DIR="$HANGAR_BUILD" \
  "$HANGAR_PYTHON" -m pytest -q -p no:cacheprovider python/tests
# clang-tidy with the checked-in .clang-tidy over every production source (not in ctest: ~10 min
# on two cores); any finding fails.
echo "==> clang-tidy over the production sources"
bash "$HANGAR_ROOT/tests/style/tidy.sh" "$HANGAR_ROOT" "$HANGAR_BUILD"
# The fuzz targets run once over every checked-in input (seeds and the reproducers of fixed
# findings), without fuzzing: a ctest entry per target in the fuzz tree (fuzz/CMakeLists.txt).
# Their own build tree, because every library is compiled again with clang and the sanitizers;
# scripts/fuzz.sh fuzzes for longer.
echo "==> replaying the fuzz corpora under ASan and UBSan"
hangar_build_fuzz
ctest --test-dir "$HANGAR_FUZZ_BUILD" --output-on-failure -j "$HANGAR_JOBS"
