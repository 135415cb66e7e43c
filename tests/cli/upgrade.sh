# hangar upgrade (decision 0015) on the format-1 fixtures that a format-1 hangar made
# (tests/fixtures/format1): a format-1 repository is refused by every command with one line that
# names 'hangar upgrade'; upgrade converts it with every sample byte-identical (expected.sha256
# of 'export --format npy' at main, dev and old), the log's messages, authors and times kept,
# fsck --rehash clean, the same digests wherever it runs (a clone's origin/main is the upgraded
# repository's main, and fetch/push between them work, over a path and over HTTP); --keep-old
# keeps the untouched format-1 folder; a partial clone, a clone without its history's data and
# staged work are refused with nothing changed; a kill -9 at every step of the upgrade leaves
# either the old repository intact (and the next upgrade succeeds) or the new one complete.
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures/format1
STAGE=$(cd "$(dirname "${2:?usage: upgrade.sh HANGAR FORMAT1_STAGE}")" && pwd)/$(basename "$2")
source "$HERE/lib.sh" "$1"
source "$HERE/remote/serve.sh"
[[ -x $STAGE ]] || die "not an executable: $STAGE"

# unpack NAME DIR: the fixture NAME (repo, clone, partial) as folder DIR of $T.
unpack() {
  rm -rf "$T/.unpack" "$T/$2"
  mkdir "$T/.unpack"
  tar -xzf "$FIX/$1.tar.gz" -C "$T/.unpack"
  mv "$T/.unpack/$1" "$T/$2"
  rm -rf "$T/.unpack"
}
# treehash DIR: every name below DIR and every file's bytes.
treehash() {
  (cd "$1" && { find . | LC_ALL=C sort; find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum)
}
# exports DIR: sha256 of every sample of DIR at main, dev and old as 'export --format npy' writes
# it, in expected.sha256's form.
exports() {
  local b c
  rm -rf "$T/.exp"
  for b in main dev old; do
    for c in images vol var parts; do
      mkdir -p "$T/.exp/$b/$c"
      ok -C "$1" export "$c" "$T/.exp/$b/$c" --ref "$b" --format npy
    done
  done
  (cd "$T/.exp" && find . -type f | LC_ALL=C sort | xargs sha256sum)
}
# faithful DIR: byte-identical samples, fsck --rehash clean, the log as format 1 wrote it.
faithful() {
  exports "$1" >"$T/.got.sha256"
  diff "$FIX/expected.sha256" "$T/.got.sha256" >&2 || die "samples of $1 differ from format 1"
  ok -C "$1" fsck --rehash --exit-code --json
  jcheck '.ok and .not_local == 0' "fsck --rehash of $1"
  ok -C "$1" log main --json
  # (the two parents of the merge have the same time: log orders them by digest, so compare as a set)
  jcheck '[.[] | [.message, .author, .email, .time, (.parents | length)]] | sort == [
    ["base: four columns", "fixture", "fixture@example.org", "2026-12-04T13:23:55Z", 0],
    ["dev: fix 003, drop 004, add new/001 and vol b", "fixture", "fixture@example.org",
     "2026-12-04T13:23:56Z", 1],
    ["main: fix 010, add parts s2", "fixture", "fixture@example.org", "2026-12-04T13:23:56Z", 1],
    ["merge dev", "fixture", "fixture@example.org", "2026-12-04T13:23:56Z", 2]]' \
    "log of $1 keeps messages, authors, emails, times and parents"
  ok -C "$1" branch list --json
  jcheck '[.[] | .name] == ["dev", "main", "old"] and ([.[] | select(.current)] | .[0].name) == "main"'
  [[ ! -e $T/$1/.hangar.upgrade && ! -e $T/$1/.hangar.format1.deleting ]] || die "$1: leftovers"
}
digest_of() { ok -C "$1" log -n 1 "$2" --json; jget '.[0].digest'; }

# ---- refused with one line naming 'hangar upgrade' -------------------------------------------
unpack repo r1
format1_line="hangar: error: repository '$T/r1' is storage format 1; this hangar reads format 2: run 'hangar upgrade' (it keeps the old data until the new is verified)"
before=$(treehash r1)
for cmd in "log" "status" "summary" "branch list" "column list" "fsck" "gc" "diff main dev" \
  "export images out" "config --list"; do
  # shellcheck disable=SC2086
  fails 3 "is storage format 1; this hangar reads format 2: run 'hangar upgrade'" -C r1 $cmd
  [[ $(cat "$ERR") == "$format1_line" ]] || die "hangar $cmd: $(cat "$ERR")"
done
fails 3 "'$T/r1' is storage format 1.*hangar upgrade" server r1 --port 0
fails 3 "'$T/r1' is storage format 1.*hangar upgrade" clone r1 c0
[[ ! -e c0/.hangar ]] || die "a clone of a format-1 repository left a repository"
ok init f2 --user-name t --user-email t@example.org
ok -C f2 remote add old "$T/r1"
fails 3 "'$T/r1' is storage format 1.*hangar upgrade" -C f2 fetch old
[[ $(treehash r1) == "$before" ]] || die "refusing r1 changed it"

# ---- upgrade: byte-identical, history kept, fsck clean, idempotent ---------------------------
ok upgrade r1 --json
jcheck '.from_format == 1 and .to_format == 2 and .verified and (.already | not)
  and .commits == 4 and .branches == 3 and .remote_refs == 0 and .columns == 4
  and .samples == 21 and .chunks == 21 and .borrowed_chunks == 0 and .kept_old == null
  and .head_branch == "main" and (.refs | keys) == ["refs/heads/dev", "refs/heads/main", "refs/heads/old"]
  and .disk_bytes_before > 0 and .disk_bytes_after > 0 and .seconds >= 0' "upgrade report"
main1=$(jget '.refs["refs/heads/main"]')
cp "$OUT" "$T/.r1.json"
[[ ${#main1} -eq 64 ]] || die "main is not a 64-hex digest: $main1"
faithful r1
[[ $(digest_of r1 main) == "$main1" ]] || die "the report's main is not the branch"
ok upgrade r1
grep -q "is already storage format 2; nothing to do" "$OUT" || die "second upgrade: $(cat "$OUT")"
ok -C r1 upgrade --json
jcheck '.already and .commits == 0' "upgrade of format 2 from inside"
[[ ! -e r1/.hangar.format1 ]] || die "the format-1 data was not removed"

# Human report.
unpack repo r2
ok upgrade r2
for line in "upgraded '$T/r2' from storage format 1 to 2 in " "4 commits, 3 branches, 0 remote-tracking refs; HEAD on 'main'" \
  "4 columns, 21 samples, 21 chunks" "verified: every sample of every commit re-read and identical, fsck clean" \
  "the format-1 data was removed (--keep-old keeps it)"; do
  grep -qF "$line" "$OUT" || die "upgrade report lacks '$line': $(cat "$OUT")"
done
[[ $(digest_of r2 main) == "$main1" ]] || die "two upgrades of one history differ"

# --keep-old: the format-1 folder is kept exactly as it was; same digests again.
unpack repo r3
old_tree=$(treehash r3/.hangar)
ok upgrade r3 --keep-old --json
jcheck ".kept_old == \"$T/r3/.hangar.format1\"" "--keep-old report"
jq -S .refs "$OUT" >"$T/.r3.refs"
jq -S .refs "$T/.r1.json" | cmp -s - "$T/.r3.refs" || die "refs of two upgrades differ"
[[ $(treehash r3/.hangar.format1) == "$old_tree" ]] || die "--keep-old: the kept format-1 data changed"
grep -q "^format_version = 1" r3/.hangar.format1/config || die "--keep-old: not the format-1 folder"
grep -q "^format_version = 2" r3/.hangar/config || die "the upgraded config is not format 2"
grep -q "^user.name = fixture" r3/.hangar/config || die "the user config was not kept"
faithful r3

# ---- refused, nothing changed: partial clone, history data missing, staged work -------------
unpack partial p1
before=$(treehash p1)
fails 3 "cannot upgrade '$T/p1': 21 chunks are not local: fetch them with a format-1 hangar first \(hangar fetch-data\), or clone again from an upgraded server; nothing changed" upgrade p1
[[ $(treehash p1) == "$before" ]] || die "a refused upgrade of a partial clone changed it"
[[ ! -e p1/.hangar.upgrade ]] || die "a refused upgrade left .hangar.upgrade"

# A full clone holds the data of its tips only; its origin (a path in the fixture) is gone.
unpack clone c1
before=$(treehash c1)
fails 3 "cannot upgrade '$T/c1': 3 chunks are not local" upgrade c1
[[ $(treehash c1) == "$before" ]] || die "a refused upgrade of a clone changed it"

unpack repo s1
"$STAGE" s1/.hangar images
before=$(treehash s1)
fails 3 "cannot upgrade '$T/s1': it has staged changes \(1 column change, 0 sample changes\); commit or reset first" upgrade s1
[[ $(treehash s1) == "$before" ]] || die "a refused upgrade with staged work changed it"

# ---- a clone upgraded with its format-1 origin on this machine: same history as its server --
unpack repo origin1
sed -i "s|^remote.origin.url = .*|remote.origin.url = $T/origin1|" c1/.hangar/config
ok upgrade c1 --json
jcheck ".borrowed_chunks == 3 and .chunk_sources.origin == \"$T/origin1\" and .remote_refs == 3
  and .branches == 1" "clone upgrade report"
[[ $(digest_of c1 origin/main) == "$main1" ]] || die "the clone's origin/main is not the upgraded main"
[[ $(digest_of c1 main) == "$main1" ]] || die "the clone's main is not the upgraded main"
grep -q "^clone.remote = origin" c1/.hangar/config || die "clone.remote was not kept"
ok -C c1 fsck --rehash --exit-code --json
jcheck '.ok and .not_local == 0'

# fetch and push between the upgraded clone and the upgraded repository, over a path...
ok -C c1 remote set-url origin "$T/r1"
ok -C c1 fetch origin
ok -C c1 fetch-data origin
make_npy "$T/x.npy" '|u1' '8,8,3' "$(patternhex 192 7)"
ok -C c1 branch create feature
ok -C c1 checkout feature
ok -C c1 put images extra "$T/x.npy"
ok -C c1 commit -m "feature: one more image"
ok -C c1 push origin feature
[[ $(digest_of r1 feature) == "$(digest_of c1 feature)" ]] || die "push to the upgraded repository"
# ... and over HTTP.
printf 'write wtok\n' >"$T/tokens"
serve r1 --tokens "$T/tokens" --anonymous-read
HANGAR_TOKEN=wtok ok clone "$URL" c2
[[ $(digest_of c2 main) == "$main1" ]] || die "a clone of the upgraded server"
ok -C c1 remote set-url origin "$URL"
ok -C c1 fetch origin
ok -C c1 put images extra2 "$T/x.npy"
ok -C c1 commit -m "feature: again"
HANGAR_TOKEN=wtok ok -C c1 push origin feature
[[ $(digest_of r1 feature) == "$(digest_of c1 feature)" ]] || die "push over HTTP"
unserve "$SERVER_PID"
# A server of format 1 (one that speaks protocol 1) is refused by clone and fetch, naming upgrade.
HANGAR_TEST_SERVER_PROTOCOL=1 serve r1
fails 3 "is a hangar of storage format 1 \(protocol 1\).*run 'hangar upgrade' on the repository it serves" clone "$URL" c3
[[ ! -e c3 ]] || die "a refused clone left a folder"
ok -C c1 remote set-url origin "$URL"
fails 3 "storage format 1.*'hangar upgrade'" -C c1 fetch origin
unserve "$SERVER_PID"

# ---- kill -9 at every step of the upgrade ------------------------------------------------------
for step in upgrade-converting:old upgrade-converted:old upgrade-checked:old upgrade-marked:old \
  upgrade-old-moved:new upgrade-swapped:new upgrade-deleting:new; do
  fp=${step%:*}
  unpack repo k
  old_tree=$(treehash k/.hangar)
  HANGAR_FAILPOINT=$fp:stop start upgrade k
  await "upgrade to stop at $fp" is_stopped "$BG_PID"
  stop_with KILL
  [[ $RC -eq 137 ]] || die "upgrade stopped at $fp: exit $RC after SIGKILL, expected 137"
  if [[ ${step#*:} == old ]]; then
    # The old repository is intact and still refused; the next upgrade starts over.
    [[ $(treehash k/.hangar) == "$old_tree" ]] || die "killed at $fp: the format-1 data changed"
    fails 3 "is storage format 1.*hangar upgrade" -C k log
    ok upgrade k --json
    jcheck '.from_format == 1 and .verified' "upgrade after a kill at $fp"
  else
    # The new repository is complete: the next command finishes the swap.
    ok -C k log -n 1 --json
    ok upgrade k --json
    jcheck '.already' "upgrade after a kill at $fp"
  fi
  [[ $(digest_of k main) == "$main1" ]] || die "killed at $fp: another main"
  [[ ! -e k/.hangar.format1 && ! -e k/.hangar.upgrade ]] || die "killed at $fp: leftovers: $(ls -a k)"
  faithful k
done

# Ctrl-C before the swap: nothing changed, one error line.
unpack repo i1
old_tree=$(treehash i1/.hangar)
HANGAR_FAILPOINT=upgrade-converted:stop start upgrade i1
await "upgrade to stop" is_stopped "$BG_PID"
kill -INT "$BG_PID"
kill -CONT "$BG_PID"
reap
failed 130 "interrupted; the repository is unchanged \(storage format 1\)" "upgrade i1 (SIGINT)"
[[ $(treehash i1/.hangar) == "$old_tree" && ! -e i1/.hangar.upgrade ]] || die "SIGINT changed i1"
