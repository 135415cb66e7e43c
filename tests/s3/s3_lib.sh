# Helpers for the S3 end-to-end tests (tests/s3/*_s3.sh), sourced after tests/cli/lib.sh: the
# Ceph RGW of the ctest fixture s3:rgw-up, read from the env file HANGAR_S3_ENV names. Without
# it the test fails (never skips). Exports AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (what a
# server and an s3:// clone use) and HANGAR_S3_ENDPOINT / HANGAR_S3_BUCKET.
[[ -n ${HANGAR_S3_ENV:-} && -f $HANGAR_S3_ENV ]] ||
  die "no RGW: run through ctest (fixture s3:rgw-up), or tests/s3/rgw-up.sh ENV_FILE and set HANGAR_S3_ENV=ENV_FILE"
set -a
# shellcheck disable=SC1090
source "$HANGAR_S3_ENV"
set +a
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
export AWS_REGION=$HANGAR_S3_REGION

# s3_prefix NAME: a key prefix in the shared bucket that no other test or run uses.
s3_prefix() { echo "e2e/$1-$$-$RANDOM$RANDOM"; }
