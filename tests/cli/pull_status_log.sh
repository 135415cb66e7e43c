# pull (fast-forward, merge, conflicts, no upstream, staged work, lazy and --no-data), status
# ahead/behind its upstream (text and --json), log --oneline and decorations, --color and
# NO_COLOR, merge --resolve.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 4 base
base=$(jget .commit)
ok clone "$T/src" a --user-name a --user-email a@example.org

# status: up to date with origin/main.
ok -C a status
grep -q "^Your branch is up to date with 'origin/main'.$" "$OUT" || die "status up to date"
ok -C a status --json
jcheck '.upstream == {"name": "origin/main", "ahead": 0, "behind": 0}' "status --json upstream"
ok -C src status --json
jcheck '.upstream == null' "no remote, no upstream"

# Two new commits upstream: behind by 2 after a fetch.
random_npys more 2 16
ok -C src import small "$T/more"
ok -C src commit -m "src: small"
ok -C src put images 0001 "$T/npys/0003.npy"
ok -C src commit -m "src: image 1" --json
up2=$(jget .commit)
ok -C a fetch origin
ok -C a status
grep -q "^Your branch is behind 'origin/main' by 2 commits, and can be fast-forwarded" "$OUT" ||
  die "status behind"
ok -C a status --json
jcheck '.upstream.ahead == 0 and .upstream.behind == 2' "behind in --json"

# pull fast-forwards and brings the data the new commits changed.
ok -C a pull --json
jcheck ".merge.result == \"fast-forward\" and .merge.commit == \"$up2\" and .chunks > 0 and .upstream == \"origin/main\"" \
  "pull fast-forward --json"
ok -C a get small 0000
ok -C a get images 0001
ok -C a status
grep -q "up to date with 'origin/main'" "$OUT" || die "up to date after pull"
ok -C a pull
grep -q "^already up to date$" "$OUT" || die "a second pull"

# Ahead by one, then diverged; pull merges (three-way) when there is no conflict.
ok -C a put images 0002 "$T/npys/0000.npy"
ok -C a commit -m "a: image 2"
ok -C a status
grep -q "^Your branch is ahead of 'origin/main' by 1 commit " "$OUT" || die "status ahead"
ok -C src put images 0003 "$T/npys/0000.npy"
ok -C src commit -m "src: image 3"
ok -C a fetch origin
ok -C a status --json
jcheck '.upstream.ahead == 1 and .upstream.behind == 1' "diverged --json"
ok -C a status
grep -q "^Your branch and 'origin/main' have diverged, and have 1 and 1 different commits" "$OUT" ||
  die "status diverged"
ok -C a pull origin main
grep -q "^merged origin/main into main: " "$OUT" || die "pull merges"
ok -C a status --json
jcheck '.upstream.ahead == 2 and .upstream.behind == 0' "ahead by the commit and the merge"

# Conflicts stop the pull as they stop merge (exit 1, nothing merged); --resolve settles them.
ok -C a put images 0000 "$T/npys/0001.npy"
ok -C a commit -m "a: image 0"
ok -C src put images 0000 "$T/npys/0002.npy"
ok -C src commit -m "src: image 0" --json
theirs=$(jget .commit)
ok -C a log --json
mine=$(jq -r '.[0].digest' "$OUT")
run -C a pull
[[ $RC -eq 1 ]] || die "a pull with conflicts exits 1, got $RC"
grep -q "^CONFLICT (both-modified): images/0000$" "$OUT" || die "pull lists the conflict"
ok -C a log --json
jcheck ".[0].digest == \"$mine\"" "a conflicting pull merged nothing"
fails 3 "--resolve 'images/0009': not in conflict.*images/0000" -C a pull --resolve images/0009=theirs
ok -C a pull --resolve images/0000=theirs
grep -q "resolved with --resolve images/0000=theirs: CONFLICT (both-modified): images/0000" "$OUT" ||
  die "pull --resolve output"
ok -C src get images 0000 --json
cp "$OUT" theirs.json
ok -C a get images 0000 --json
cmp -s "$OUT" theirs.json || die "--resolve theirs took theirs"

# Clear errors: no upstream branch, no remote, staged work, a detached HEAD.
ok -C a checkout -b topic
fails 3 "branch 'topic' has no upstream.*remote 'origin' has no branch 'topic'.*hangar pull origin BRANCH" -C a pull
ok -C a checkout main
ok -C a branch delete topic
fails 3 "this repository has no remote; add one" -C src pull
ok -C a put images 0001 "$T/npys/0000.npy"
fails 3 "cannot pull into 'main': there are staged changes" -C a pull
ok -C a reset
ok -C a checkout HEAD~1
fails 3 "cannot pull: HEAD is detached" -C a pull
ok -C a checkout main
fails 3 "no remote 'nope'" -C a pull nope

# A lazy clone pulls history only; --no-data too.
ok clone "$T/src" lazy --lazy
ok clone "$T/src" nodata
ok -C src put images 0002 "$T/npys/0003.npy"
ok -C src commit -m "src: image 2 again"
ok -C lazy pull --json
jcheck '.chunks == 0 and .merge.result == "fast-forward"' "a lazy pull brings no data"
ok -C nodata pull --no-data --json
jcheck '.chunks == 0 and .merge.result == "fast-forward"' "pull --no-data"
ok -C lazy get images 0002  # a lazy read brings it

# merge --resolve: conflicts not named still stop the merge; a name not in conflict is an error.
ok init m --user-name t --user-email t@example.org
ok -C m import images "$T/npys"
ok -C m commit -m base
ok -C m checkout -b dev
ok -C m put images 0000 "$T/npys/0001.npy"
ok -C m put images 0001 "$T/npys/0002.npy"
ok -C m commit -m dev
ok -C m checkout main
ok -C m put images 0000 "$T/npys/0002.npy"
ok -C m put images 0001 "$T/npys/0003.npy"
ok -C m commit -m main --json
main_tip=$(jget .commit)
run -C m merge dev --resolve images/0000=theirs
[[ $RC -eq 1 ]] || die "an unresolved conflict still stops the merge"
grep -q "^CONFLICT (both-modified): images/0001$" "$OUT" || die "the unresolved conflict is listed"
grep -q "images/0000" "$OUT" && die "the resolved conflict is not listed"
fails 3 "--resolve 'images/0003': not in conflict" -C m merge dev --resolve images/0003=ours
fails 2 "--resolve takes NAME=ours or NAME=theirs" -C m merge dev --resolve images/0000=mine
ok -C m merge dev --resolve images/0000=theirs --resolve images/0001=ours --json
jcheck '.result == "merged"' "merge --resolve --json"
ok -C m get images 0000 --json
cp "$OUT" m0.json
ok -C m get images 0000 --ref dev --json
cmp -s "$OUT" m0.json || die "images/0000 took theirs"
ok -C m get images 0001 --json
cp "$OUT" m1.json
ok -C m get images 0001 --ref "$main_tip" --json
cmp -s "$OUT" m1.json || die "images/0001 kept ours"
ok -C m checkout dev
ok -C m merge main
fails 3 "--resolve 'images/0000': not in conflict.*fast-forward" -C m merge main --resolve images/0000=ours

# log --oneline and decorations (HEAD -> branch, other branches, tags, remote-tracking): on a
# terminal by default, as git; in a pipe only with --decorate.
ok -C a log --oneline -n 1
grep -Eq "^[0-9a-f]{12} Merge 'origin/main' into 'main'$" "$OUT" || die "no decorations in a pipe"
script -qec "$HANGAR -C $T/a log --oneline -n 1 --color=never" /dev/null >"$T/tty.out" </dev/null
grep -Eq "^[0-9a-f]{12} \(HEAD -> main\) Merge" "$T/tty.out" ||
  die "decorations on a terminal (script(1)): $(cat "$T/tty.out")"
ok -C a log --oneline -n 1 --decorate --color=never
fails 2 "excludes" -C a log --decorate --no-decorate
ok -C a log --oneline -n 1 --no-decorate
grep -Eq "^[0-9a-f]{12} Merge" "$OUT" || die "--no-decorate"
ok -C a tag v1 HEAD~1
ok -C a log --oneline -n 2 --decorate
[[ $(wc -l <"$OUT") -eq 2 ]] || die "log --oneline -n 2"
head -1 "$OUT" | grep -Eq "^[0-9a-f]{12} \(HEAD -> main\) Merge 'origin/main' into 'main'$" ||
  die "log --oneline first line"
ok -C a log --oneline --decorate
grep -Eq '^[0-9a-f]{12} \(tag: v1\) a: image 0$' "$OUT" || die "log --oneline tag decoration"
ok -C a log --oneline --decorate
grep -Eq '^[0-9a-f]{12} \(origin/main\) src: image 0$' "$OUT" || die "remote-tracking decoration"
ok -C a log -n 1 --decorate
head -1 "$OUT" | grep -Eq '^[0-9a-f]{12} \(HEAD -> main\)  [0-9]{4}-' || die "decorations in the long log"
ok -C a log --graph -n 1 --decorate
grep -Eq '^\* [0-9a-f]{12} \(HEAD -> main\) Merge' "$OUT" || die "decorations in log --graph"
ok -C a checkout v1
ok -C a log --oneline -n 1 --decorate
grep -Eq '^[0-9a-f]{12} \(HEAD, tag: v1\) ' "$OUT" || die "detached HEAD decoration"
ok -C a checkout main

# Colour: never in a pipe or with --json, forced by --color=always, off with NO_COLOR on a
# terminal (script gives hangar one), on there without it.
esc=$'\033'
ok -C a log --oneline -n 1
grep -q "$esc" "$OUT" && die "no colour in a pipe"
ok -C a --color=always log --oneline -n 1 --decorate
grep -q "${esc}\[33m" "$OUT" || die "--color=always colours the digest"
grep -q "${esc}\[1;36mHEAD" "$OUT" || die "--color=always colours HEAD"
ok -C a --color=always log --json -n 1
grep -q "$esc" "$OUT" && die "never colour with --json"
ok -C a --color=always status
grep -q "${esc}\[1;32mmain" "$OUT" || die "status colours the branch"
ok -C a put images 0003 "$T/npys/0002.npy"
ok -C a --color=always diff
grep -q "${esc}\[33m  ~ images/0003" "$OUT" || die "diff colours a changed sample"
ok -C a reset
fails 2 "--color takes auto, always or never" -C a --color=sometimes log
tty_log() { script -qec "$(printf '%q ' "$HANGAR" -C a log --oneline -n 1)" /dev/null; }
out=$(NO_COLOR=1 tty_log)
[[ $out != *"$esc["* ]] || die "NO_COLOR turns colour off on a terminal"
out=$(NO_COLOR= tty_log)
[[ $out == *"$esc[33m"* ]] || die "colour on a terminal by default"
out=$(NO_COLOR=1 "$HANGAR" -C a --color=always log --oneline -n 1)
[[ $out == *"$esc[33m"* ]] || die "--color=always wins over NO_COLOR"

# did you mean for a mistyped option.
fails 2 "unknown option '--onelin'.*did you mean '--oneline'" -C a log --onelin
echo "pull_status_log: ok"
