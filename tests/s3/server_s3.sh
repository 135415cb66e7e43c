# An S3-backed 'hangar server --store' on the real Ceph RGW of the ctest fixture s3:rgw-up
# (HANGAR_S3_ENV names its env file): push, full and partial clone, fetch-data and lazy reads
# with every byte identical to the source, data that never passes through the server, the
# serverless s3:// clone, and the errors a user meets (wrong secret, missing bucket, endpoint
# down, no credentials). Usage: bash tests/s3/server_s3.sh /path/to/hangar
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
source "$here/s3_lib.sh"

PREFIX=$(s3_prefix server)
STORE=s3://$HANGAR_S3_BUCKET/$PREFIX

ok init src --user-name t --user-email t@example.org
random_npys npys 40
ok -C src import images "$T/npys"
ok -C src commit -m base
ok init srv
printf 'read rtok\nwrite wtok\n' >tokens
serve srv --tokens tokens --store "$STORE" --s3-endpoint "$HANGAR_S3_ENDPOINT"
grep -q "chunk data in $STORE/ at $HANGAR_S3_ENDPOINT" "$SERVER_LOG" || die "server banner names the store"

export HANGAR_TOKEN=wtok
ok -C src remote add origin "$URL"
ok -C src push origin --json
jcheck '.result == "created" and .chunks == 40' "push uploads every chunk"
ok -C srv summary --json
jcheck '.columns[0].count == 40 and .columns[0].local_count == 0' \
  "the server's repository holds history only: the chunks are in the bucket"
ok -C src push origin --json
jcheck '.result == "up-to-date"' "a second push moves nothing"

export HANGAR_TOKEN=rtok
ok -C src export images "$T/want" --format npy

# Full clone: every byte identical.
ok clone "$URL" full
ok -C full export images "$T/got-full" --format npy
diff -r "$T/want" "$T/got-full" >/dev/null || die "full clone differs from the source"

# Partial clone, then fetch-data for the rest.
ok clone "$URL" part --max-bytes 20K --json
ok -C part summary --json
jcheck '.columns[0].local_count > 0 and .columns[0].local_count < 40' "partial clone is partial"
ok -C part fetch-data origin
ok -C part summary --json
jcheck '.columns[0].local_count == 40' "fetch-data brings the rest"
ok -C part export images "$T/got-part" --format npy
diff -r "$T/want" "$T/got-part" >/dev/null || die "partial clone + fetch-data differs"

# Lazy clone: a read brings the one sample.
ok clone "$URL" lazy --lazy
ok -C lazy get images 0007 -o "$T/lazy7.npy"
cmp -s "$T/lazy7.npy" "$T/npys/0007.npy" || die "lazy read differs"
ok -C lazy summary --json
jcheck '.columns[0].local_count == 1' "a lazy read fetches one sample"

# A second push of new data, from a clone.
export HANGAR_TOKEN=wtok
random_npys more 5 24
ok -C full import small "$T/more"
ok -C full commit -m "small column"
ok -C full push origin --json
jcheck '.result == "fast-forward" and .chunks == 5' "push from a clone"
export HANGAR_TOKEN=rtok
ok -C part fetch origin
ok -C part fetch-data origin origin/main
ok -C part export small "$T/got-small" --ref origin/main --format npy
ok -C full export small "$T/want-small" --format npy
diff -r "$T/want-small" "$T/got-small" >/dev/null || die "fetched data differs"

# Serverless: the bucket alone, with the user's own credentials.
unset HANGAR_TOKEN
AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT ok clone "$STORE" s3clone
ok -C s3clone export images "$T/got-s3" --format npy
diff -r "$T/want" "$T/got-s3" >/dev/null || die "s3:// clone differs"
ok -C s3clone export small "$T/got-s3-small" --format npy
diff -r "$T/want-small" "$T/got-s3-small" >/dev/null || die "s3:// clone differs (second push)"
AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT ok clone "$STORE" s3part --max-bytes 10K
ok -C s3part summary --json
jcheck '[.columns[].local_count] | add < 45' "partial s3:// clone is partial"
AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT ok -C s3part fetch-data origin
ok -C s3part export images "$T/got-s3part" --format npy
diff -r "$T/want" "$T/got-s3part" >/dev/null || die "s3:// partial clone + fetch-data differs"
ok -C s3clone import extra "$T/more"
ok -C s3clone commit -m extra
AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT fails 3 "read-only" -C s3clone push origin
AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT fails 3 "no hangar data" clone "s3://$HANGAR_S3_BUCKET/nothing-here" x
[[ ! -e x ]] || die "a failed clone left a folder"
fails 3 "no S3 endpoint" clone "$STORE" x

# Errors a user meets, each naming which thing is wrong; exit 3.
ok init srv2
AWS_SECRET_ACCESS_KEY=wrong-secret-0123456789abcdefghijklmnopq \
  fails 3 "wrong credentials.*secret key" server srv2 --port 0 --store "$STORE" \
  --s3-endpoint "$HANGAR_S3_ENDPOINT"
grep -q wrong-secret "$ERR" && die "the secret appears in the error"
AWS_ACCESS_KEY_ID=HGRNOSUCHKEY00000000 \
  fails 3 "wrong credentials.*HGRNOSUCHKEY00000000.*unknown" server srv2 --port 0 \
  --store "$STORE" --s3-endpoint "$HANGAR_S3_ENDPOINT"
fails 3 "bucket does not exist" server srv2 --port 0 --store s3://hangar-no-such-bucket/x \
  --s3-endpoint "$HANGAR_S3_ENDPOINT"
fails 3 "is down" server srv2 --port 0 --store "$STORE" --s3-endpoint http://127.0.0.1:1
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  HOME=$T AWS_ENDPOINT_URL=$HANGAR_S3_ENDPOINT fails 3 "no S3 credentials" clone "$STORE" y)
fails 2 "need --store" server srv2 --port 0 --s3-endpoint "$HANGAR_S3_ENDPOINT"
echo "ok"
