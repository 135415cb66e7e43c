#!/usr/bin/env bash
# Writes docs/reference/hangar.md (the command reference: every command's --help, from
# 'hangar help --all') and docs/reference/hangar.bash (the bash completion, from 'hangar
# completion bash') with a built hangar. Run it after changing a command, an option or a help
# text; tests/cli/reference.sh fails while the checked-in files differ from the binary.
# Usage: scripts/update_reference.sh [path/to/hangar]   (default: build/cli/hangar)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hangar=${1:-$root/build/cli/hangar}
[[ -x $hangar ]] || { echo "not an executable: $hangar (build first)" >&2; exit 1; }
"$hangar" help --all >"$root/docs/reference/hangar.md"
"$hangar" completion bash >"$root/docs/reference/hangar.bash"
echo "wrote docs/reference/hangar.md and docs/reference/hangar.bash"
