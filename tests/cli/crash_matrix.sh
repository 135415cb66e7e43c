# The crash matrix (docs/failpoints.md). For every row of the matrix table in
# docs/failpoints.md, the row's operation runs in a tiny scenario with HANGAR_FAILPOINT set in
# the row's process (the command, or the server it talks to), which must die there (exit 86).
# Then every repository involved passes fsck --rehash, every sample committed before is still
# there and identical, the repositories are in the state the row names, and the operation run
# again succeeds and ends as an uninterrupted run of it does (the oracle, run once per
# operation). A failpoint added to the table is in the matrix; one its scenario does not reach
# fails it.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"
source "$here/crash/failpoints.sh"
doc=$here/../../docs/failpoints.md
unset HANGAR_FAILPOINT
printf 'write w\n' >"$T/tokens"
export HANGAR_TOKEN=w
started=$SECONDS

# npys DIR SEED KEY...: a deterministic 8x8x3 uint8 .npy per KEY, each from its own seed.
npys() {
  local dir=$1 seed=$2 key
  shift 2
  mkdir -p "$dir"
  for key in "$@"; do
    make_npy "$dir/$key.npy" '|u1' 8,8,3 "$(patternhex 192 "$seed")"
    seed=$((seed + 1))
  done
}

# ---- The scenarios: fixtures made once, copied for every case -------------------------------

# src: img (in LMDB segments, the default) and, on main, vol (in HDF5 packs); main and dev
# diverged (merge makes a merge commit), and main's last commit left a segment with one live
# chunk of four (gc compacts it). behind: a clone that lacks main's last commit (fetch). nodata:
# a clone without data (fetch-data). ahead: a clone with a commit more (push). staged: src with
# an import staged (commit). The import of the matrix makes two columns: fresh and its labels.
FX=$T/fx
npys "$T/in/a" 1 0000 0001 0002 0003
npys "$T/in/b" 11 0004 0005
npys "$T/in/c" 21 0000
npys "$T/in/e" 31 0100 0101 0102 0103
npys "$T/in/new" 41 0000 0001 0002
npys "$T/in/classes/cat" 51 c0 c1
npys "$T/in/classes/dog" 53 d0
ok init "$FX/src" --user-name t --user-email t@example.org
ok -C "$FX/src" import img "$T/in/a"
ok -C "$FX/src" commit -m base
ok -C "$FX/src" branch create dev
ok -C "$FX/src" checkout dev
ok -C "$FX/src" import img "$T/in/b"
ok -C "$FX/src" commit -m dev
ok -C "$FX/src" checkout main
ok -C "$FX/src" import img "$T/in/c"
ok -C "$FX/src" column create vol --dtype uint8 --shape 8,8,3 --backend hdf5
ok -C "$FX/src" import vol "$T/in/b"
ok -C "$FX/src" commit -m main2
ok clone "$FX/src" "$FX/behind"
ok -C "$FX/src" import img "$T/in/e"
ok -C "$FX/src" rm img 0100 0101 0102
ok -C "$FX/src" commit -m main3
ok clone "$FX/src" "$FX/nodata" --no-data
ok clone "$FX/src" "$FX/ahead"
ok -C "$FX/ahead" import vol "$T/in/new"
ok -C "$FX/ahead" commit -m ahead
cp -a "$FX/src" "$FX/staged"
ok -C "$FX/staged" import vol "$T/in/new"

# op_repos OP: the repositories OP writes, named as in the case folder: the one it runs in
# first; srv (a copy of src, served over HTTP or given as a path) for push, which writes it.
op_repos() {
  case $1 in
    import | commit | merge | gc) echo repo ;;
    fetch) echo behind ;;
    fetch-data) echo nodata ;;
    clone) echo c ;;
    push) echo ahead srv ;;
    *) die "docs/failpoints.md: the crash matrix has no scenario for operation '$1'" ;;
  esac
}

# prepare OP: a fresh case folder ($T/case, the working directory) with copies of OP's fixtures.
prepare() {
  cd "$T"
  rm -rf case
  mkdir case
  cd case
  case $1 in
    commit) cp -a "$FX/staged" repo ;;
    import | merge | gc) cp -a "$FX/src" repo ;;
    fetch) cp -a "$FX/behind" behind ;;
    fetch-data) cp -a "$FX/nodata" nodata ;;
    push) cp -a "$FX/ahead" ahead ;;
  esac
  [[ $(op_repos "$1") != repo ]] || return 0
  cp -a "$FX/src" srv
}

# run_op OP: runs OP in the case folder ($RC, $OUT, $ERR as run sets them).
run_op() {
  case $1 in
    import) run -C repo import fresh "$T/in/classes" --labels label ;;
    commit) run -C repo commit -m staged ;;
    merge) run -C repo merge dev ;;
    gc) run -C repo gc ;;
    fetch) run -C behind fetch origin ;;
    fetch-data) run -C nodata fetch-data origin ;;
    clone) run clone "$URL" c ;;
    push) run -C ahead push origin ;;
  esac
}

# op_result OP: what OP must leave beyond the repositories' content (gc: nothing left to drop).
op_result() {
  if [[ $1 == gc ]]; then
    ok -C repo gc --dry-run --json
    jq -c '{chunks, objects, containers_compacted, containers_emptied, garbage_containers}' "$OUT"
  fi
}

# connect SIDE [FAILPOINT]: URL for srv, over HTTP (a server armed with FAILPOINT, if given) or,
# for SIDE path, srv's path; the case's clones get it as their origin.
connect() {
  local r
  if [[ $1 == path ]]; then
    URL=$PWD/srv
  elif [[ -n ${2:-} ]]; then
    HANGAR_FAILPOINT=$2 serve srv --tokens "$T/tokens"
  else
    serve srv --tokens "$T/tokens"
  fi
  for r in behind nodata ahead; do
    [[ ! -d $r ]] || ok -C "$r" remote set-url origin "$URL"
  done
}

# disconnect: stops the case's server, if any.
disconnect() {
  if [[ -n ${SERVER_PID:-} ]]; then
    unserve "$SERVER_PID"
    SERVER_PID=
  fi
}

# server_died FAILPOINT: the case's server ended at FAILPOINT (exit 86), within 10 s.
server_died() {
  local i rc=0
  for ((i = 0; i < 200; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$SERVER_PID" 2>/dev/null && die "the server did not die at $1"
  wait "$SERVER_PID" || rc=$?
  forget_server "$SERVER_PID"
  SERVER_PID=
  [[ $rc -eq 86 ]] || die "the server exited $rc at $1, expected 86 (the failpoint)"
}

# ---- What a repository holds -----------------------------------------------------------------
# Each hangar process costs ~0.1 s to start on a busy machine: these ask as few as they can.

# columns REPO REF: "REF COLUMN COUNT NBYTES LOCAL_COUNT" for each column at REF (a commit, or
# staged for the staged view).
columns() {
  if [[ $2 == staged ]]; then ok -C "$1" summary --json; else ok -C "$1" summary "$2" --json; fi
  jq -r --arg r "$2" '.columns[] | "\($r) \(.name) \(.count) \(.nbytes) \(.local_count)"' "$OUT"
}

# samples REPO < COLUMNS: "REF COLUMN FILE SHA256" for every local sample of each "REF COLUMN
# COUNT NBYTES LOCAL_COUNT" line read (as columns prints them), exported; sorted.
samples() {
  local ref col local_count
  rm -rf "$T/.export"
  while read -r ref col _ _ local_count; do
    ((local_count > 0)) || continue
    if [[ $ref == staged ]]; then
      ok -C "$1" export "$col" "$T/.export/$ref/$col" --format npy
    else
      ok -C "$1" export "$col" "$T/.export/$ref/$col" --format npy --ref "$ref"
    fi
  done
  [[ -d $T/.export ]] || return 0
  # ./REF/COLUMN/FILE, where FILE has sub-folders for keys with a '/' (import --labels: class/key).
  (cd "$T/.export" && find . -type f -print0 | xargs -0 sha256sum) | awk '{
    n = split($2, p, "/")
    file = p[4]
    for (i = 5; i <= n; i++) file = file "/" p[i]
    print p[2], p[3], file, $1
  }' | sort
}

# refs REPO NAME OP: $T/inv/NAME.refs, every ref ("NAME COMMIT", sorted), then, when OP can
# change them (import and commit stage and unstage, a clone may stay unfinished), the staged
# changes and whether REPO is an unfinished clone (one JSON line).
refs() {
  ok -C "$1" branch list --all --json
  jq -r 'map("\(.name) \(.commit)") | sort[]' "$OUT" >"$T/inv/$2.refs"
  [[ $3 == @(import|commit|clone) ]] || return 0
  ok -C "$1" status --json
  jq -c '{branch, staged, columns_added, columns_deleted, unfinished: has("incomplete_clone")}' \
    "$OUT" >>"$T/inv/$2.refs"
}

# census REPO NAME OP: before OP, what REPO holds: refs (above), $T/inv/NAME.columns (the
# columns of every ref's commit) and $T/inv/NAME.samples (their local samples). The fixtures keep
# every sample ever committed at some ref's commit (see all_at_refs), so these are all.
census() {
  local repo=$1 name=$2 commit
  refs "$repo" "$name" "$3"
  grep -v '^{' "$T/inv/$name.refs" | cut -d' ' -f2 | sort -u >"$T/.commits"
  while read -r commit; do columns "$repo" "$commit"; done <"$T/.commits" >"$T/inv/$name.columns"
  samples "$repo" <"$T/inv/$name.columns" >"$T/inv/$name.samples"
}

# all_at_refs REPO: every sample of every commit of REPO is also in the commit of one of its refs.
all_at_refs() {
  local ref commit
  census "$1" fixture none
  while read -r ref commit; do
    ok -C "$1" log "$commit" --json
    jq -r '.[].digest' "$OUT"
  done <"$T/inv/fixture.refs" | sort -u >"$T/.commits"
  while read -r commit; do columns "$1" "$commit"; done <"$T/.commits" >"$T/.columns"
  comm -13 <(cut -d' ' -f2- "$T/inv/fixture.samples" | sort -u) \
    <(samples "$1" <"$T/.columns" | cut -d' ' -f2- | sort -u) >"$T/.missing"
  [[ ! -s $T/.missing ]] ||
    die "fixture $1: samples of old commits not at any ref: $(cat "$T/.missing")"
}

# result REPO NAME KNOWN OP: $T/inv/NAME.result, what REPO holds after OP, without the
# digests of commits it made (they hold the time): each ref with its commit when that is one of
# the commits listed in file KNOWN, else with its message, parent count, columns and samples;
# the staged view's columns (with local counts); for OPs that stage, the staged changes and the
# samples of the columns they change, and whether REPO is an unfinished clone.
result() {
  local repo=$1 out=$T/inv/$2.result known=$3 ref commit
  refs "$repo" "$2.now" "$4"
  while read -r ref commit; do
    if grep -qx "$commit" "$known"; then
      echo "$ref $commit"
      continue
    fi
    ok -C "$repo" log "$commit" -n 1 --json
    jq -r --arg r "$ref" '.[0] | "\($r) made: \(.parents | length) parents, \(.message | @json)"' \
      "$OUT"
    columns "$repo" "$commit" | tee "$T/.columns" | cut -d' ' -f2-
    samples "$repo" <"$T/.columns" | cut -d' ' -f2-
  done < <(grep -v '^{' "$T/inv/$2.now.refs") >"$out"
  columns "$repo" staged | tee "$T/.columns" >>"$out"
  grep '^{' "$T/inv/$2.now.refs" >"$T/.status" || return 0
  cat "$T/.status" >>"$out"
  # The samples of the columns with staged changes.
  jq -r '(.staged | keys[]), .columns_added[]' "$T/.status" >"$T/.changed"
  awk 'NR == FNR { changed[$1] = 1; next } changed[$2]' "$T/.changed" "$T/.columns" |
    samples "$repo" >>"$out"
}

# same WHAT A B: files A and B are equal.
same() { cmp -s "$2" "$3" || { diff "$2" "$3" >&2 || true; die "$1"; }; }

# fsck_clean REPO: fsck --rehash finds nothing.
fsck_clean() {
  run -C "$1" fsck --rehash --exit-code
  [[ $RC -eq 0 ]] || die "fsck --rehash of $1 exited $RC: $(cat "$OUT" "$ERR")"
}

# ---- One case --------------------------------------------------------------------------------

# oracle OP: OP run without failpoint: the census of its repositories (and srv) before it
# ($T/inv/OP.REPO.*), the commits known before it ($T/inv/OP.known), and what it leaves
# ($T/inv/OP.REPO.result, $T/inv/OP.extra).
oracle() {
  local op=$1 r
  prepare "$op"
  [[ $(op_repos "$op") == repo ]] || connect client
  for r in $(op_repos "$op") srv; do
    [[ ! -d $r || -f $T/inv/$op.$r.refs ]] || census "$r" "$op.$r" "$op"
  done
  cat "$T/inv/$op".*.columns | cut -d' ' -f1 | sort -u >"$T/inv/$op.known"
  run_op "$op"
  [[ $RC -eq 0 ]] || die "$op without failpoint exited $RC: $(cat "$ERR")"
  for r in $(op_repos "$op"); do result "$r" "$op.$r" "$T/inv/$op.known" "$op"; done
  op_result "$op" >"$T/inv/$op.extra"
  disconnect
}

# check_state STATE OP FAILPOINT: after a kill at FAILPOINT, the case's repositories are in
# STATE (docs/failpoints.md); in every one that existed before, every sample committed before is
# there and identical.
check_state() {
  local state=$1 op=$2 fp=$3 r first
  first=$(op_repos "$op" | cut -d' ' -f1)
  for r in $(op_repos "$op"); do
    [[ -f $T/inv/$op.$r.refs ]] || continue
    # More may be local now (fetch-data), none may be gone or differ.
    samples "$r" <"$T/inv/$op.$r.columns" | comm -23 "$T/inv/$op.$r.samples" - >"$T/.lost"
    [[ ! -s $T/.lost ]] || die "a kill at $fp ($op) lost or changed samples committed in $r:
$(cat "$T/.lost")"
    [[ $state != @(old|partial|remote-new) ]] || refs "$r" "kill.$r" "$op"
  done
  case $state in
    old)
      for r in $(op_repos "$op"); do
        same "$r after a kill at $fp ($op) is not as before" "$T/inv/$op.$r.refs" \
          "$T/inv/kill.$r.refs"
      done
      ;;
    partial)
      diff <(grep -v '^{' "$T/inv/$op.$first.refs") <(grep -v '^{' "$T/inv/kill.$first.refs") >&2 ||
        die "$first after a kill at $fp ($op): refs moved"
      ;;
    remote-new)
      same "$first after a kill at $fp ($op) is not as before" "$T/inv/$op.$first.refs" \
        "$T/inv/kill.$first.refs"
      grep -Fqx "$(grep '^main ' "$T/inv/$op.srv.result")" "$T/inv/kill.srv.refs" ||
        die "srv after a kill at $fp ($op) lacks the pushed branch"
      ;;
    unfinished-clone)
      ok -C c status --json
      jq -e --arg u "$URL" '.incomplete_clone.url == $u' "$OUT" >/dev/null ||
        die "after a kill at $fp, c is not an unfinished clone of $URL"
      ;;
    no-clone) [[ ! -e c ]] || die "a clone whose server died at $fp left its folder" ;;
    *) die "docs/failpoints.md: unknown state '$state' for $fp ($op)" ;;
  esac
}

# run_case FAILPOINT OP SIDE STATE: one row of the matrix.
run_case() {
  local fp=$1 op=$2 side=$3 state=$4 r
  prepare "$op"
  case $side in
    local) HANGAR_FAILPOINT=$fp run_op "$op" ;;
    client | path)
      connect "$side"
      HANGAR_FAILPOINT=$fp run_op "$op"
      ;;
    server)
      connect server "$fp"
      run_op "$op"
      [[ $RC -ne 0 ]] || die "$op succeeded though its server was to die at $fp"
      # The client cannot know whether the server applied its push; it must not say it did not.
      [[ $state != remote-new ]] || grep -q "may have applied it" "$ERR" ||
        die "$op whose server died at $fp (after applying it) said: $(cat "$ERR")"
      server_died "$fp"
      [[ $(op_repos "$op") == *srv* ]] || fsck_clean srv  # only read
      connect server  # the same repository, served again
      ;;
    *) die "docs/failpoints.md: unknown side '$side' for $fp ($op)" ;;
  esac
  [[ $side == server || $RC -eq 86 ]] ||
    die "$op exited $RC with HANGAR_FAILPOINT=$fp ($side), expected 86 (failpoint not reached?)"

  # Reopened: fsck clean, every sample committed before identical, the state the row names.
  for r in $(op_repos "$op"); do [[ ! -e $r/.hangar/config ]] || fsck_clean "$r"; done
  check_state "$state" "$op" "$fp"

  # Run again: it succeeds and ends as an uninterrupted run does (the samples it made or brought
  # exported: read back and verified).
  run_op "$op"
  [[ $RC -eq 0 ]] || die "$op after a kill at $fp ($side) exited $RC: $(cat "$ERR")"
  for r in $(op_repos "$op"); do
    result "$r" "again.$r" "$T/inv/$op.known" "$op"
    same "$r: $op after a kill at $fp ($side) ended otherwise than without it" \
      "$T/inv/$op.$r.result" "$T/inv/again.$r.result"
  done
  op_result "$op" >"$T/.extra"
  same "$op after a kill at $fp ($side) left work undone" "$T/inv/$op.extra" "$T/.extra"
  disconnect
}

# ---- The matrix: every row of the table -------------------------------------------------------

mkdir -p "$T/inv"
# The other fixtures hold src's commits of some moment and commits at their refs.
all_at_refs "$FX/src"
failpoint_rows "$doc" "$MATRIX_SECTION" >"$T/rows"
[[ -s $T/rows ]] || die "no crash matrix rows in $doc"
cases=0
while IFS=$'\t' read -r fp op side where state; do
  [[ -n $where ]] || die "docs/failpoints.md: the row of $fp ($op) says not where it stops"
  [[ -f $T/inv/$op.extra ]] || oracle "$op"
  run_case "$fp" "$op" "$side" "$state"
  cases=$((cases + 1))
done <"$T/rows"
echo "crash matrix: $cases cases over $(cut -f1 "$T/rows" | sort -u | wc -l) failpoints in" \
  "$((SECONDS - started)) s; not in it: $(failpoint_rows "$doc" "$OUTSIDE_SECTION" | cut -f1 |
    tr '\n' ' ')" >&2
