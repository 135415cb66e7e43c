# Presigned URLs that expire mid-transfer: a server started with --presign-ttl 2
# hands out URLs that live 2 s; a push and a fetch-data held (SIGSTOP at a failpoint) past that
# get new URLs from the server and go on, without starting over, every byte identical; an
# expired URL that cannot be renewed (the server went away meanwhile) is one clear error, and
# the next fetch-data completes. Usage: bash tests/s3/presign_ttl_s3.sh /path/to/hangar
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh" "$1"
source "$here/../cli/remote/serve.sh"
source "$here/s3_lib.sh"

PREFIX=$(s3_prefix ttl)
STORE=s3://$HANGAR_S3_BUCKET/$PREFIX
TTL=2

# hold ENV_FAILPOINT ARGS...: runs hangar ARGS with HANGAR_FAILPOINT=ENV_FAILPOINT:stop, waits
# until it is stopped there, keeps it stopped past the URLs' lifetime, lets it go on and waits
# for it: RC, OUT, ERR. $BEFORE_CONT, when set, runs while it is stopped.
hold() {
  local fp=$1 pid i
  shift
  HANGAR_FAILPOINT=$fp:stop "$HANGAR" "$@" >"$OUT" 2>"$ERR" </dev/null &
  pid=$!
  for ((i = 0; i < 400; i++)); do
    [[ $(ps -o stat= -p $pid 2>/dev/null) == T* ]] && break
    sleep 0.05
  done
  [[ $(ps -o stat= -p $pid) == T* ]] || die "hangar $* did not stop at $fp"
  sleep $((TTL + 2))
  [[ -z ${BEFORE_CONT:-} ]] || eval "$BEFORE_CONT"
  kill -CONT $pid
  RC=0
  wait $pid || RC=$?
}

# 32 samples of 75 KiB (incompressible): every other key is more than 64 KiB from the next, so
# a fetch of those reads one range each, 16 ranges in all.
ok init src --user-name t --user-email t@example.org
random_npys npys 32 160
ok -C src import images "$T/npys"
ok -C src commit -m base
ok -C src export images "$T/want" --format npy
ok init srv
printf 'read rtok\nwrite wtok\n' >tokens

set +e
"$HANGAR" server srv --port 0 --store "$STORE" --presign-ttl 0 >"$OUT" 2>"$ERR" </dev/null
RC=$?
set -e
failed 2 "presign-ttl" "server --presign-ttl 0"
fails 2 "need --store" server srv --presign-ttl 5
run server --help
grep -q -- "--presign-ttl SECONDS" "$OUT" || die "server --help documents --presign-ttl"

serve srv --tokens tokens --store "$STORE" --s3-endpoint "$HANGAR_S3_ENDPOINT" --presign-ttl $TTL

# A push stopped after its PUT URLs were granted, past their lifetime: asks again, succeeds.
export HANGAR_TOKEN=wtok
ok -C src remote add origin "$URL"
hold store-upload-pause -C src push origin --json
[[ $RC -eq 0 ]] || die "push held past the URL lifetime exited $RC: $(cat "$ERR")"
jcheck '.result == "created" and .chunks == 32' "push held past the URL lifetime"

# fetch-data of 16 ranges, stopped after the first one past the URLs' lifetime: the ranges not
# yet read are located again and read; nothing is read twice.
export HANGAR_TOKEN=rtok
ok clone "$URL" part --no-data
even=$(for ((i = 0; i < 32; i += 2)); do printf '%04d ' $i; done)
# shellcheck disable=SC2086
hold store-fetch-pause -C part fetch-data origin --keys $even --json
[[ $RC -eq 0 ]] || die "fetch-data held past the URL lifetime exited $RC: $(cat "$ERR")"
ok -C part summary --json
jcheck '.columns[0].local_count == 16' "fetch-data held past the URL lifetime brings its 16 samples"
for ((i = 0; i < 32; i += 2)); do
  k=$(printf '%04d' $i)
  ok -C part get images "$k" -o "$T/got-$k.npy"
  cmp -s "$T/got-$k.npy" "$T/want/$k.npy" || die "sample $k differs"
done

# A full clone held after it got its URLs and before any read (every URL expired, none read
# yet): it asks again and reads everything, every byte identical.
hold store-before-fetch clone "$URL" full
[[ $RC -eq 0 ]] || die "clone held past the URL lifetime exited $RC: $(cat "$ERR")"
ok -C full export images "$T/got-full" --format npy
diff -r "$T/want" "$T/got-full" >/dev/null || die "clone held past the URL lifetime differs"

# URLs that cannot be renewed: the server stops while the fetch is held. One clear line, exit
# 3; the repository stays sound and the next fetch-data (server back) completes it.
BEFORE_CONT='unserve "$SERVER_PID"' hold store-fetch-pause -C part fetch-data origin
failed 3 "presigned URLs from remote $URL expired mid-transfer \([0-9]+ chunks read\) and asking for new ones failed: .*$URL" \
  "fetch-data whose URLs expired with the server gone"
ok -C part fsck
serve srv --tokens tokens --store "$STORE" --s3-endpoint "$HANGAR_S3_ENDPOINT" --presign-ttl $TTL
ok -C part remote set-url origin "$URL"
ok -C part fetch-data origin
ok -C part export images "$T/got-part" --format npy
diff -r "$T/want" "$T/got-part" >/dev/null || die "fetch-data after the failed renewal differs"
echo "presign_ttl_s3: ok"
