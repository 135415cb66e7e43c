# hangar alone, hangar help CMD, "did you mean" for mistyped commands and options, and --json
# before the command.
source "$(dirname "$0")/lib.sh" "$1"

ok
grep -q '^Usage: hangar' "$OUT" || die "hangar alone prints the usage"
grep -q 'commit' "$OUT" || die "the usage lists the commands"

ok help
grep -q '^Usage: hangar' "$OUT" || die "help alone is the usage"
ok help commit
grep -q -- '--message' "$OUT" || die "help commit is commit's help"
ok commit --help
cmp -s "$OUT" <("$HANGAR" help commit) || die "help commit == commit --help"
ok help branch create
grep -q 'START' "$OUT" || die "help of a nested command"
fails 2 "unknown command 'brnch' \\(did you mean 'branch'\\?\\)" help brnch
fails 2 "unknown command 'xyzzy'$|unknown command 'xyzzy';" help xyzzy

fails 2 "unknown command 'comit' for 'hangar' \\(did you mean 'commit'\\?\\)" comit -m x
fails 2 "unknown command 'chekout' for 'hangar' \\(did you mean 'checkout'\\?\\)" chekout main
# 'put' and 'pull' are both one edit from 'pul'; the command it begins is the better guess.
fails 2 "unknown command 'pul' for 'hangar' \\(did you mean 'pull'\\?\\)" pul
fails 2 "unknown command 'lst' for 'hangar column' \\(did you mean 'list'\\?\\)" column lst
fails 2 "unknown command 'qqqqqq' for 'hangar'; see" qqqqqq
fails 2 "unknown option '--jsn' for 'hangar status' \\(did you mean '--json'\\?\\)" status --jsn
fails 2 "unknown option '--forse' for 'hangar branch delete' \\(did you mean '--force'\\?\\)" \
  branch delete --forse x

# --json before the command.
ok init repo --user-name t --user-email t@example.org
cd repo
ok --json status
jcheck '.branch == "main" and .head == null' "--json before the command"
ok status --json
cp "$OUT" "$T/after"
ok --json status
cmp -s "$OUT" "$T/after" || die "--json before and after the command print the same"
ok -C "$T/repo" --json branch list
jcheck '. == []'
fails 2 "'hangar server' has no --json" --json server
echo "usage_help: ok"
