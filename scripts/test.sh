#!/usr/bin/env bash
# Installs missing Debian packages, builds build/ (Release, -Werror) and runs every test:
# unit tests per module and the end-to-end CLI tests (tests/cli/*.sh). Exits non-zero on failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

hangar_install_packages
hangar_build
echo "==> running tests"
ctest --test-dir "$HANGAR_BUILD" --output-on-failure -j "$HANGAR_JOBS"
