# gc of an S3-backed server's bucket (hangar gc --remote NAME): deletes the data packs that no
# commit of any branch names, keeps live ones, and never touches what a push in flight has
# uploaded; that push then completes. The server runs with a gc grace of 0 s (tests only), so
# only liveness and the upload session protect an object. Usage: bash tests/s3/gc_s3.sh HANGAR
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
source "$here/s3_lib.sh"

STORE=s3://$HANGAR_S3_BUCKET/$(s3_prefix gc)
ok init src --user-name t --user-email t@example.org
random_npys npys 10
ok -C src import images "$T/npys"
ok -C src commit -m base
ok init srv
printf 'write wtok\n' >tokens
HANGAR_TEST_STORE_GC_GRACE=0 serve srv --tokens tokens --store "$STORE" \
  --s3-endpoint "$HANGAR_S3_ENDPOINT"
export HANGAR_TOKEN=wtok
ok -C src remote add origin "$URL"
ok -C src push origin
ok clone "$URL" a
ok clone "$URL" c

# X is pushed, then replaced by a forced push of Y: X's pack is garbage.
random_npys dx 4 20
ok -C src import x "$T/dx"
ok -C src commit -m x
ok -C src push origin
random_npys dy 4 28
ok -C a import y "$T/dy"
ok -C a commit -m y
ok -C a push origin --force

# A push in flight: its pack is uploaded, it stops before the index and the push request.
random_npys dz 5 24
ok -C c import z "$T/dz"
ok -C c commit -m z
HANGAR_FAILPOINT=push-mid-upload:stop "$HANGAR" -C c push origin --force >"$T/c.out" 2>"$T/c.err" &
pc=$!
for ((i = 0; i < 400; i++)); do
  [[ $(ps -o stat= -p $pc 2>/dev/null) == T* ]] && break
  sleep 0.05
done
[[ $(ps -o stat= -p $pc) == T* ]] || die "the push did not reach the failpoint"

ok -C a gc --remote origin --json
jcheck '.packs_deleted == 1 and .packs_live == 2 and .uploads_deleted == 0' \
  "gc deletes X's pack only, keeps the live ones and the upload of the push in flight"
ok clone "$URL" after-gc
ok -C after-gc export y "$T/got-y" --format npy
ok -C a export y "$T/want-y" --format npy
diff -r "$T/want-y" "$T/got-y" >/dev/null || die "live data after gc"

kill -CONT $pc
rc=0
wait $pc || rc=$?
[[ $rc -eq 0 ]] || die "the push in flight failed after gc: $(cat "$T/c.err")"
ok clone "$URL" final
ok -C final export z "$T/got-z" --format npy
ok -C c export z "$T/want-z" --format npy
diff -r "$T/want-z" "$T/got-z" >/dev/null || die "the push that was in flight lost data"
ok -C final export images "$T/got-images" --format npy
diff -r "$T/npys" "$T/got-images" >/dev/null || die "base data after gc"

# Now Y's pack is dead too (the forced push of z replaced y); nothing else is.
ok -C a gc --remote origin --json
jcheck '.packs_deleted == 1 and .packs_live == 2 and .uploads_deleted == 0' "second gc"
ok -C a gc --remote origin --json
jcheck '.packs_deleted == 0' "nothing left to collect"
unset HANGAR_TOKEN
AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT ok clone "$STORE" s3clone
ok -C s3clone export z "$T/got-s3-z" --format npy
diff -r "$T/want-z" "$T/got-s3-z" >/dev/null || die "s3:// clone after gc"
HANGAR_TOKEN=nope fails 3 "401" -C a gc --remote origin
echo "ok"
