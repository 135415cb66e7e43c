# A full disk: 'init' and 'clone' exit 3 with "no space left" and leave nothing
# behind (LMDB writes lock.mdb through a memory map: before its blocks were allocated up front,
# the first store into it on a full disk was a SIGBUS, exit 135, leaving a '.hangar' that
# blocked a retry); an import or a clone that fills the disk half-way says "no space left" (an
# LMDB short write used to read "Input/output error") and changes nothing.
#
# The disk is real: a small tmpfs, mounted in a private mount namespace so that no root is
# needed (unshare -rm, where user namespaces are enabled) and nothing outlives the test. No
# failpoint stands in for it. Where no such namespace can be made the case fails: CI runs as
# root, where `unshare -m` (util-linux, in every Debian) always can.
if [[ -z ${HANGAR_FULL_DISK_NS:-} ]]; then
  export HANGAR_FULL_DISK_NS=1
  if unshare -rm true 2>/dev/null; then exec unshare -rm bash "$0" "$@"; fi
  if [[ $(id -u) -eq 0 ]] && unshare -m true 2>/dev/null; then exec unshare -m bash "$0" "$@"; fi
  echo "FAIL: cannot make a private mount namespace for a small tmpfs (run as root, or enable" \
    "user namespaces: unshare -rm)" >&2
  exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

DISK=$T/disk
mkdir "$DISK"
trap 'stop_servers; umount "$DISK" 2>/dev/null; rm -rf "$T"' EXIT

# disk SIZE: a fresh, empty tmpfs of SIZE at $DISK. fill [KEEP_KB]: fills it, leaving KEEP_KB.
disk() {
  umount "$DISK" 2>/dev/null || true
  mount -t tmpfs -o "size=$1" tmpfs "$DISK" || die "cannot mount a tmpfs at $DISK"
}
fill() {
  local avail
  rm -f "$DISK/.fill"
  avail=$(df -k --output=avail "$DISK" | tail -1)
  if ((${1:-0} < avail)); then
    dd if=/dev/zero of="$DISK/.fill" bs=1k count=$((avail - ${1:-0})) 2>/dev/null || true
  fi
}
# nothing_in DIR: DIR is empty apart from the fill file.
nothing_in() { [[ -z $(ls -A "$1" | grep -vx .fill) ]] || die "left behind in $1: $(ls -A "$1")"; }

ok init src --user-name t --user-email t@example.org
random_npys npys 24 96  # 24 x 27 KiB, incompressible: ~650 KiB
ok -C src import images "$T/npys"
ok -C src commit -m base

# init on a full disk: a new folder, an existing empty one; then a retry with room succeeds.
disk 1m
fill
fails 3 "no space left" init "$DISK/r"
nothing_in "$DISK"
mkdir "$DISK/empty"
fails 3 "no space left" init "$DISK/empty"
nothing_in "$DISK/empty"
rm -f "$DISK/.fill"
ok init "$DISK/r"
ok -C "$DISK/r" fsck

# clone on a full disk, into a new and into an existing empty folder.
disk 1m
mkdir "$DISK/empty"
fill
fails 3 "no space left" clone "$T/src" "$DISK/c"
fails 3 "no space left" clone "$T/src" "$DISK/empty"
nothing_in "$DISK/empty"
rmdir "$DISK/empty"
nothing_in "$DISK"

# clone (local path and HTTP) with room for the repository but not its data.
disk 2m
fill 400
fails 3 "no space left" clone "$T/src" "$DISK/c"
nothing_in "$DISK"
serve src
fails 3 "no space left" clone "$URL" "$DISK/c"
nothing_in "$DISK"
rm -f "$DISK/.fill"
ok clone "$URL" "$DISK/c"
ok -C "$DISK/c" fsck
unserve "$SERVER_PID"

# An import that fills the disk: no space left, nothing staged, the repository checks clean;
# with room again the same import succeeds. Both backends.
disk 2m
ok init "$DISK/r" --user-name t --user-email t@example.org
ok -C "$DISK/r" column create packed --dtype uint8 --shape 96,96,3 --backend hdf5
cd "$DISK/r"
snapshot before
fill 300
fails 3 "no space left" import images "$T/npys"
unchanged before
fails 3 "no space left" import packed "$T/npys"
unchanged before
ok fsck
rm -f "$DISK/.fill"
ok import images "$T/npys"
ok commit -m "after the disk had room again"
ok fsck
cd "$T"
