# A clone killed with kill -9: it used to look healthy (history, status and fsck
# fine) with none of its data, and 'export' exited 0 having written nothing. Now a clone is
# marked unfinished from its first config write until its last chunk is stored: status and
# summary say so, export refuses naming what is missing and how to complete it, and
# 'fetch-data REMOTE' or the same 'clone' run again completes it. Finished partial clones
# (--max-bytes, --fraction, --no-data, --lazy) are complete, not unfinished.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 40 base
ok -C src export images "$T/want"

# kill9: SIGKILL for the background hangar; it must have died of it.
kill9() {
  kill -KILL "$BG_PID"
  set +e
  wait "$BG_PID"
  RC=$?
  set -e
  [[ $RC -eq 137 ]] || die "the clone exited $RC before it was killed: $(cat "$T/.bg.err")"
}
# unfinished DIR URL: status and summary (human and JSON) say DIR is an unfinished clone of URL.
unfinished() {
  ok -C "$1" status --json
  jcheck ".incomplete_clone.url == \"$2\" and .incomplete_clone.remote == \"origin\"" \
    "status --json names the unfinished clone"
  ok -C "$1" summary --json
  jcheck '.incomplete_clone.hint | test("hangar fetch-data origin")' "summary --json hint"
  ok -C "$1" status
  grep -q "^incomplete clone: the clone of $2 was interrupted" "$OUT" || die "status says nothing"
  ok -C "$1" summary
  grep -q "^incomplete clone: " "$OUT" || die "summary says nothing"
}
finished() {
  ok -C "$1" status --json
  jcheck 'has("incomplete_clone") | not' "$1 is not an unfinished clone"
  ok -C "$1" status
  ! grep -q "incomplete" "$OUT" || die "status of $1 calls it incomplete"
}
same_files() { diff -r "$T/want" "$1" >/dev/null || die "exported files differ from the source"; }

# kill -9 over HTTP while a data pack is on its way (the server stalls half-way through it).
HANGAR_FAILPOINT=server-stall-pack serve src
STALL_URL=$URL
STALL_PID=$SERVER_PID
start clone "$STALL_URL" c
await "the server to stall" grep -q 'stalled mid-pack' "$SERVER_LOG"
kill9
unfinished c "$STALL_URL"
ok -C c log
ok -C c fsck
fails 3 "^hangar: error: cannot export 'images': the clone of $STALL_URL was interrupted and 40 of 40 samples are not local; run 'hangar fetch-data origin' or the same 'hangar clone $STALL_URL $T/c' again to complete it$" \
  -C c export images "$T/out"
[[ ! -e $T/out ]] || die "a refused export created its folder"
unserve "$STALL_PID"

# 'fetch-data origin' completes it, with the clone's own selection (here: everything).
serve src
ok -C c remote set-url origin "$URL"
ok -C c fetch-data origin
grep -q "^the interrupted clone is complete now$" "$OUT" || die "fetch-data did not say so"
finished c
ok -C c summary --json
jcheck '.columns[0].local_count == 40' "every sample is local"
ok -C c export images "$T/out"
same_files "$T/out"
ok -C c fsck

# kill -9 with the history stored and no data yet; the same clone run again completes it.
HANGAR_FAILPOINT=clone-before-data:stop start clone "$URL" c2
await "the clone to stop at its failpoint" is_stopped "$BG_PID"
kill9
unfinished c2 "$URL"
fails 3 "holds an unfinished clone of $URL, not of $T/src; run 'hangar fetch-data origin' or the same 'hangar clone $URL c2' again" \
  clone "$T/src" c2
ok clone "$URL" c2
finished c2
ok -C c2 export images "$T/out2"
same_files "$T/out2"
ok -C c2 fsck
fails 3 "already exists and is not empty \(a finished hangar repository\)" clone "$URL" c2

# A local clone killed the same way: 'fetch-data' with selectors fetches what it names and
# leaves the clone unfinished, and export then says how much is still missing.
HANGAR_FAILPOINT=clone-before-data:stop start clone "$T/src" c3 --fraction 0.5 --seed 7
await "the clone to stop at its failpoint" is_stopped "$BG_PID"
kill9
unfinished c3 "$T/src"
ok -C c3 fetch-data origin --keys 0000 0001
unfinished c3 "$T/src"
fails 3 "and 38 of 40 samples are not local" -C c3 export images "$T/out3"
# Completing it takes the clone's own selection (--fraction 0.5 --seed 7), not everything.
ok -C c3 fetch-data origin
finished c3
ok clone "$T/src" c3ref --fraction 0.5 --seed 7
ok -C c3ref summary --json
want_local=$(jget '.columns[0].local_count')
ok -C c3 summary --json
# 0000 and 0001 came on their own before: the completed clone has its selection and those.
got=$(jget '.columns[0].local_count')
[[ $got -ge $want_local && $got -le $((want_local + 2)) && $got -lt 40 ]] ||
  die "completed clone has $got local samples, its selection $want_local"

# A clone killed before its init wrote the config leaves only a '.hangar' without config:
# clone into that folder starts over.
mkdir -p dead/.hangar/meta
ok clone "$URL" dead
finished dead

# Finished partial clones are complete: nothing to complete, export writes what is local.
ok clone "$URL" p1 --max-bytes 60K
finished p1
ok -C p1 export images "$T/p1out"
grep -q "^skipped [0-9]* samples whose data is not local" "$OUT" || die "partial export"
ok clone "$URL" p2 --fraction 0.25 --seed 3
finished p2
ok clone "$URL" p3 --no-data
finished p3
ok clone "$URL" p4 --lazy
finished p4
ok -C p4 export images "$T/p4out"
same_files "$T/p4out"
