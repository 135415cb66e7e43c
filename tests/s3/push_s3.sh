# Pushes to an S3-backed server on the RGW fixture: of two racing pushes exactly one wins and
# the other changes nothing; a push killed mid-upload leaves no ref naming a missing object,
# and its retry succeeds. Usage: bash tests/s3/push_s3.sh /path/to/hangar
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
source "$here/s3_lib.sh"

STORE=s3://$HANGAR_S3_BUCKET/$(s3_prefix push)
ok init src --user-name t --user-email t@example.org
random_npys npys 10
ok -C src import images "$T/npys"
ok -C src commit -m base
ok init srv
printf 'write wtok\n' >tokens
serve srv --tokens tokens --store "$STORE" --s3-endpoint "$HANGAR_S3_ENDPOINT"
export HANGAR_TOKEN=wtok
ok -C src remote add origin "$URL"
ok -C src push origin

server_head() { "$HANGAR" -C srv log --json -n 1 | jq -r '.[0].digest'; }

# Racing pushes: two clones, two different commits with new data, pushed at once.
ok clone "$URL" a
ok clone "$URL" b
base=$(server_head)
random_npys da 6 20
random_npys db 6 28
ok -C a import ca "$T/da"
ok -C a commit -m "a"
ok -C b import cb "$T/db"
ok -C b commit -m "b"
"$HANGAR" -C a push origin >"$T/a.out" 2>"$T/a.err" &
pa=$!
"$HANGAR" -C b push origin >"$T/b.out" 2>"$T/b.err" &
pb=$!
ra=0 rb=0
wait $pa || ra=$?
wait $pb || rb=$?
if [[ $ra -eq 0 && $rb -eq 3 ]]; then
  winner=a loser=b
elif [[ $ra -eq 3 && $rb -eq 0 ]]; then
  winner=b loser=a
else
  die "racing pushes: exits $ra and $rb, expected one 0 and one 3 ($(cat "$T/a.err" "$T/b.err"))"
fi
grep -Eq "rejected: .*(another push won|moved during the push|not a fast-forward)" "$T/$loser.err" ||
  die "the losing push says why: $(cat "$T/$loser.err")"
ok -C "$winner" log --json -n 1
[[ $(server_head) == $(jget '.[0].digest') ]] || die "the server is at the winner's commit"
[[ $(server_head) != "$base" ]] || die "the server moved"
# The loser fetches, merges and pushes again.
ok -C "$loser" fetch origin
ok -C "$loser" merge origin/main -m merged
ok -C "$loser" push origin
ok clone "$URL" both
for c in images ca cb; do
  ok -C both export "$c" "$T/both-$c" --format npy
done
diff -r "$T/npys" "$T/both-images" >/dev/null || die "images differ after the race"
[[ $(ls "$T/both-ca" | wc -l) -eq 6 && $(ls "$T/both-cb" | wc -l) -eq 6 ]] ||
  die "both racing columns arrived"
ok -C a export ca "$T/want-ca" --format npy
diff -r "$T/want-ca" "$T/both-ca" >/dev/null || die "column ca differs"

# A lying client: its uploaded pack does not hold what its index says. The server reads the
# pack back from the store and refuses the push; nothing moves.
ok clone "$URL" liar
random_npys dl 4 16
ok -C liar import cl "$T/dl"
ok -C liar commit -m "liar"
before=$(server_head)
HANGAR_FAILPOINT=push-forged-pack fails 3 "checksum mismatch|digest mismatch" -C liar push origin
[[ $(server_head) == "$before" ]] || die "a forged push moved the server's branch"
ok -C liar push origin --json
jcheck '.result == "fast-forward" and .chunks == 4' "an honest retry is accepted"

# A push killed between uploading a pack and its index: nothing moves, nothing names a
# missing object, and the retry succeeds.
ok clone "$URL" c
random_npys dc 8 40
ok -C c import cc "$T/dc"
ok -C c commit -m "c"
before=$(server_head)
HANGAR_FAILPOINT=push-mid-upload run -C c push origin
[[ $RC -eq 86 ]] || die "the failpoint ends the push (exit $RC)"
[[ $(server_head) == "$before" ]] || die "a killed push moved the server's branch"
ok clone "$URL" after-kill
ok -C after-kill summary --json
jcheck '[.columns[].name] | index("cc") == null' "the killed push's column is not on the server"
ok -C after-kill export images "$T/after-kill-images" --format npy
diff -r "$T/npys" "$T/after-kill-images" >/dev/null || die "data after the killed push"
ok -C c push origin --json
jcheck '.result == "fast-forward" and .chunks == 8' "the retry pushes everything"
ok clone "$URL" final
ok -C final export cc "$T/final-cc" --format npy
ok -C c export cc "$T/want-cc" --format npy
diff -r "$T/want-cc" "$T/final-cc" >/dev/null || die "data after the retried push"
echo "ok"
