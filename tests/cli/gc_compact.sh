# gc compacts l1 segments and h0 packs (decision 0013): --dry-run says what it would free and
# changes nothing; the JSON report; --threshold (bad values are usage errors; 0.6 live is kept at
# the default 0.5 and compacted at 0.7); a real kill -9 of `hangar gc` stopped at every step of
# the compaction (HANGAR_FAILPOINT=<step>:stop) and at arbitrary moments leaves a repository
# that passes fsck --rehash with every sample identical, and the next gc finishes the work;
# drop-data compacts the same way.
source "$(dirname "$0")/lib.sh" "$1"

# npys DIR N SIDE: N incompressible (random) uint8 [SIDE,SIDE,3] samples, keys 0000.. (the
# test compares the repository with its own export, so the bytes need not be reproducible).
npys() {
  local dir=$1 n=$2 side=$3 i
  mkdir -p "$dir"
  make_npy "$T/.npy-head" '|u1' "$side,$side,3" ""  # the header alone, made once
  for ((i = 0; i < n; i++)); do
    { cat "$T/.npy-head" && head -c $((side * side * 3)) /dev/urandom; } >"$dir/$(printf '%04d' "$i").npy"
  done
}
# keys_where EXPR N: the keys 0000.. (of N) for which the awk EXPR on k is true.
keys_where() { awk -v n="$2" "BEGIN { for (k = 0; k < n; k++) if ($1) printf \"%04d \", k }"; }
# exports REPO DIR: images and vols of main and main~1, as .npy files.
exports() {
  rm -rf "$2"
  ok -C "$1" export images "$2/head-images" --format npy
  ok -C "$1" export vols "$2/head-vols" --format npy
  ok -C "$1" export images "$2/base-images" --format npy --ref HEAD~1
  ok -C "$1" export vols "$2/base-vols" --format npy --ref HEAD~1
}
# same_samples REPO: every sample of both commits is identical to the expected export.
same_samples() {
  exports "$1" "$T/.got"
  diff -r "$T/expected" "$T/.got" >/dev/null || die "samples of $1 differ from before gc"
}
# clean REPO: fsck --rehash finds nothing, and every sample is identical.
clean() {
  ok -C "$1" fsck --rehash --exit-code --json
  jcheck '.ok and .not_local == 0' "fsck --rehash of $1"
  same_samples "$1"
}
du_b() { du -sb "$1/.hangar" | cut -f1; }

# make_repo DIR REMOVED: a repository with every kind of container once gc drops what is dead:
#   main~1: images 0..119 (3 KiB, l1) and vols 0..15 (12 KiB, h0 column)
#   a deleted branch that replaced every sample: segments and packs with only dead chunks
#   main: a replacement of every sample staged, then the keys of the awk expression REMOVED
#   removed again: the segments and packs that import wrote are partly live.
make_repo() {
  local dir=$1 removed=$2
  ok init "$dir" --user-name t --user-email t@example.org
  ok -C "$dir" column create images --dtype uint8 --shape 32,32,3 --backend lmdb
  ok -C "$dir" column create vols --dtype uint8 --shape 64,64,3 --backend hdf5
  ok -C "$dir" import images "$T/src/images-1"
  ok -C "$dir" import vols "$T/src/vols-1"
  ok -C "$dir" commit -m base
  ok -C "$dir" branch create replaced
  ok -C "$dir" checkout replaced
  ok -C "$dir" import images "$T/src/images-2"
  ok -C "$dir" import vols "$T/src/vols-2"
  ok -C "$dir" commit -m "replace everything"
  ok -C "$dir" checkout main
  ok -C "$dir" branch delete replaced --force
  ok -C "$dir" import images "$T/src/images-3"
  ok -C "$dir" import vols "$T/src/vols-3"
  # shellcheck disable=SC2046
  ok -C "$dir" rm images $(keys_where "$removed" 120)
  # shellcheck disable=SC2046
  ok -C "$dir" rm vols $(keys_where "$removed" 16)
  ok -C "$dir" commit -m "replace some, remove the others"
}

for v in 1 2 3; do
  npys "$T/src/images-$v" 120 32
  npys "$T/src/vols-$v" 16 64
done
make_repo pristine 'k % 4 != 0'  # main's new segments and pack: 1/4 live
exports pristine "$T/expected"
du0=$(du_b pristine)

# --threshold: bad values are usage errors; nothing changes.
cd pristine
snapshot start
cd "$T"
for bad in 1.5 -0.1 abc; do
  run -C pristine gc --threshold "$bad"
  [[ $RC -eq 2 ]] || die "gc --threshold $bad exited $RC, expected 2"
done
ok gc --help
grep -q -- '--threshold' "$OUT" || die "gc --help lists --threshold"

# --dry-run: what it would free, nothing changed.
ok -C pristine gc --dry-run --json
jcheck '.dry_run and .chunks == 120 + 16 + 90 + 12 and .threshold == 0.5
  and .containers_emptied >= 2 and .containers_compacted >= 2 and .garbage_containers == 0
  and .chunks_moved == 30 + 4 and .bytes_moved == 30 * 3072 + 4 * 12288
  and .sparse_containers == 0 and .bytes_to_free > (120 + 90) * 3072 + (16 + 12) * 12288
  and .disk_bytes_freed == 0' "gc --dry-run"
would_free=$(jget .bytes_to_free)
ok -C pristine gc --dry-run
grep -q '^would compact .* and delete .* without a live chunk$' "$OUT" || die "dry-run text"
grep -q '^would free about ' "$OUT" || die "dry-run says what it would free"
[[ $(du_b pristine) -eq $du0 ]] || die "gc --dry-run changed the files"
cd pristine && unchanged start && cd "$T"

# A clean run on a copy: the estimate holds, the space comes back, samples identical.
cp -a pristine plain
ok -C plain gc --json
jcheck '.dry_run == false and .compacted and .pending_bytes == 0 and .containers_compacted >= 2
  and .chunks_moved == 34 and .disk_bytes_freed > 0' "gc"
freed=$(jget .disk_bytes_freed)
echo "gc: estimated $would_free, freed $freed bytes of chunk files; .hangar $du0 -> $(du_b plain)" >&2
((would_free * 10 > freed * 9 && would_free * 10 < freed * 11)) ||
  die "gc --dry-run estimated $would_free bytes, gc freed $freed"
clean plain
(($(du_b plain) < du0 / 2)) || die "gc left $(du_b plain) of $du0 bytes"
ok -C plain gc --dry-run --threshold 1 --json
jcheck '.chunks == 0 and .containers_compacted == 0 and .containers_emptied == 0
  and .garbage_containers == 0 and .sparse_containers == 0' "nothing left to compact"
end_size=$(du_b plain)

# kill -9 of gc stopped at every step of the compaction: fsck --rehash clean, every sample
# identical; the next gc finishes and ends where an uninterrupted one does.
for step in reclaim-journaled reclaim-unindexed reclaim-copy-written reclaim-copied \
  reclaim-relocated reclaim-deleted reclaim-swept reclaim-compact-copied \
  reclaim-compact-swapped; do
  rm -rf work
  cp -a pristine work
  HANGAR_FAILPOINT=$step:stop start -C work gc --json
  await "gc to stop at $step" is_stopped "$BG_PID"
  stop_with KILL
  [[ $RC -eq 137 ]] || die "gc stopped at $step: exit $RC after SIGKILL, expected 137"
  clean work
  ok -C work gc --json
  jcheck '.pending_bytes == 0' "gc after a kill at $step"
  clean work
  ok -C work gc --dry-run --threshold 1 --json
  jcheck '.chunks == 0 and .containers_compacted == 0 and .containers_emptied == 0
    and .garbage_containers == 0' "gc after a kill at $step left nothing to compact"
  size=$(du_b work)
  ((size < end_size + end_size / 20)) || die "after a kill at $step: $size bytes, $end_size after a plain gc"
done

# kill -9 at arbitrary moments (whatever gc is doing then). On a quiet machine gc may have
# finished before the kill: then it must have exited 0.
for delay in 0.01 0.04 0.08; do
  rm -rf work
  cp -a pristine work
  start -C work gc
  sleep "$delay"
  kill -KILL "$BG_PID" 2>/dev/null || true
  reap
  [[ $RC -eq 137 || $RC -eq 0 ]] || die "gc killed after ${delay} s: exit $RC, expected 137 (or 0)"
  clean work
  ok -C work gc
  clean work
done

# The threshold: main's new segments and pack 3/5 live are kept at 0.5, compacted at 0.7.
mv "$T/expected" "$T/expected-pristine"
make_repo sparse 'k % 5 < 2'
exports sparse "$T/expected"
ok -C sparse gc --json
jcheck '.containers_compacted == 0 and .chunks_moved == 0 and .sparse_containers >= 2
  and .sparse_dead_bytes == 48 * 3072 + 7 * 12288' "3/5 live: kept at the default threshold"
ok -C sparse gc
grep -q 'partly dead segments/packs .* stay: at least 50% live; a higher --threshold compacts them' \
  "$OUT" || die "gc says which containers it keeps"
before=$(du_b sparse)
ok -C sparse gc --threshold 0.7 --json
jcheck '.threshold == 0.7 and .containers_compacted >= 2 and .chunks_moved == 72 + 9
  and .sparse_containers == 0 and .disk_bytes_freed > 0' "3/5 live: compacted at 0.7"
(($(du_b sparse) < before - (48 * 3072 + 7 * 12288) * 3 / 4)) || die "gc --threshold 0.7 freed too little"
clean sparse

# drop-data compacts the same way. A clone of a plain-path remote holds main's samples (30
# images, 4 vols) in one segment; dropping 20 images leaves it 0.57 live: kept at 0.5.
ok clone "$T/plain" dropper
ok -C dropper drop-data --dry-run --columns images --json
jcheck '.dry_run and .chunks_dropped == 30 and .bytes_to_free > 0 and .threshold == 0.5' \
  "drop-data --dry-run"
# shellcheck disable=SC2046
ok -C dropper drop-data --columns images --keys $(keys_where 'k % 4 == 0 && k < 80' 120) --json
jcheck '.chunks_dropped == 20 and .containers_compacted == 0 and .sparse_containers == 1' \
  "20 of 30 images dropped: kept at 0.5"
ok -C dropper drop-data --columns images --threshold 1 --json
jcheck '.chunks_dropped == 10 and .containers_compacted == 1 and .chunks_moved == 4' \
  "drop-data --threshold 1 compacts"
ok -C dropper fsck --rehash --json
jcheck '.ok and .chunks == 4' "fsck after drop-data"
ok -C dropper export vols "$T/dropper-vols" --format npy
diff -r "$T/dropper-vols" "$T/expected-pristine/head-vols" >/dev/null || die "drop-data changed the vols"
