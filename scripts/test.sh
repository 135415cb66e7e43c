#!/usr/bin/env bash
# Installs missing Debian packages, builds build/ (Release, -Werror) and runs every test:
# unit tests per module and the end-to-end CLI tests (tests/cli/*.sh) with ctest, then the
# Python package's pytest suite (python/tests) against the build. Exits non-zero on failure.
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
