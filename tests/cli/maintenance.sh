# fsck and gc: exit codes (0 clean; 3 with an error line, or 1 with --exit-code, on problems)
# and the JSON shapes.
source "$(dirname "$0")/lib.sh" "$1"

ok init repo --user-name t --user-email t@example.org
cd repo
ok column create v --dtype uint8 --shape 2
make_npy a.npy '|u1' 2 0102
make_npy b.npy '|u1' 2 0304
ok put v 0 a.npy
ok commit -m one

ok fsck
grep -q '^ok$' "$OUT" || die "a clean fsck ends with 'ok'"
grep -qx 'checked 1 commit, 1 record page, 1 sample, 1 chunk' "$OUT" || die "singular forms"
# On a terminal (script gives it one) fsck shows a progress bar of the bytes it checked, with
# the rate; in a pipe (above) and with --json never.
script -qec "'$HANGAR' fsck" /dev/null >"$T/tty.out" </dev/null || die "fsck on a terminal"
grep -Eq 'fsck chunks \[#{30}\] [0-9]+ B/[0-9]+ B  [0-9.]+ (B|KiB|MiB)/s' "$T/tty.out" ||
  die "fsck's progress on a terminal: $(cat -v "$T/tty.out")"
script -qec "'$HANGAR' fsck --json" /dev/null >"$T/tty.out" </dev/null || die "fsck --json"
! grep -q 'fsck chunks' "$T/tty.out" || die "no progress with --json"
ok fsck --rehash --exit-code --json
jcheck '.ok == true and .commits == 1 and .objects >= 3 and .chunks == 1 and .not_local == 0
        and .problems == []' "clean fsck JSON"

# gc: a reset put leaves one unreferenced chunk (the sample was inline in its staged record:
# no descriptor object).
ok put v 1 b.npy
ok reset
snapshot before_gc
ok gc --dry-run --json
jcheck '.dry_run == true and .chunks == 1 and .chunk_bytes > 0 and .objects == 0' "dry run"
unchanged before_gc
ok gc --json
jcheck '.dry_run == false and .chunks == 1 and .objects == 0' "gc"
ok gc
grep -q 'removed 0 unreferenced chunks' "$OUT" || die "a second gc has nothing to do"
script -qec "'$HANGAR' gc" /dev/null >"$T/tty.out" </dev/null || die "gc on a terminal"
grep -Eq 'gc chunks \[#{30}\] [0-9]+ B/[0-9]+ B' "$T/tty.out" ||
  die "gc's progress on a terminal: $(cat -v "$T/tty.out")"
unchanged before_gc
ok fsck --rehash --exit-code
ok get v 0 --json

# A partial clone (no data) is clean: its chunks are not local, and gc keeps the history.
cd "$T"
ok clone repo partial --no-data
cd partial
ok fsck --json --exit-code
jcheck '.ok == true and .commits == 1 and .chunks == 0 and .not_local == 1' "partial clone"
ok gc --json
jcheck '.chunks == 0 and .objects == 0' "gc in a partial clone"
cd "$T/repo"

# Damage: another repository's chunk store leaves this one's chunk unindexed.
cd "$T"
ok init other --user-name t --user-email t@example.org
cd other
ok column create v --dtype uint8 --shape 2
ok put v 0 "$T/repo/b.npy"
ok commit -m other
cd "$T/repo"
rm -rf .hangar/chunks
cp -r "$T/other/.hangar/chunks" .hangar/chunks

run fsck
[[ $RC -eq 3 ]] || die "fsck with problems exits 3, got $RC"
grep -q '^chunk: ' "$OUT" || die "the report names the missing chunk"
[[ $(wc -l <"$ERR") -eq 1 ]] || die "one stderr line"
grep -q '^hangar: error: fsck found 1 problem;' "$ERR" || die "error line"

run fsck --exit-code --json
[[ $RC -eq 1 ]] || die "fsck --exit-code with problems exits 1, got $RC"
[[ ! -s $ERR ]] || die "fsck --exit-code prints no error line"
jcheck '.ok == false and (.problems | length) == 1 and .problems[0].kind == "chunk"
        and (.problems[0].digest | length) == 64 and (.problems[0].message | type) == "string"'

# A repository that is a clone counts the chunk as not local instead.
echo "clone.remote = origin" >>.hangar/config
ok fsck --json --exit-code
jcheck '.ok == true and .not_local == 1' "partial clone"

