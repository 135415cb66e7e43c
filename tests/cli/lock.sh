# One writer at a time: while another process holds .hangar/lock, write commands exit 3
# ("locked") and change nothing; read commands keep working.
source "$(dirname "$0")/lib.sh" "$1"
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 1; }

ok init repo --user-name t --user-email t@example.org
cd repo
ok column create v --dtype uint8 --shape 2
make_npy a.npy '|u1' 2 0102
ok put v 0 a.npy
ok commit -m one
ok put v 1 a.npy
snapshot s

# The subshell takes the lock on fd 9 and becomes 'sleep', so $holder is the only process
# holding it; killing it releases the lock.
(
  exec 9>>.hangar/lock
  flock 9
  exec sleep 30
) >/dev/null 2>&1 &
holder=$!
trap 'kill "$holder" 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 200); do
  flock -n .hangar/lock true || break
  sleep 0.05
done
flock -n .hangar/lock true && die "the helper did not take the lock"

fails 3 "locked" put v 2 a.npy
fails 3 "locked" commit -m two
fails 3 "locked" column create w --dtype uint8 --shape 2
fails 3 "locked" branch create dev
fails 3 "locked" reset
ok status --json
jcheck '.staged.v.added == 1' "readers work while a writer holds the lock"
ok get v 0 --json

kill "$holder"
wait "$holder" 2>/dev/null || true
unchanged s
ok commit -m two
