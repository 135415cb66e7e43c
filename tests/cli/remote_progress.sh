# Remote commands on a terminal (script gives them one): clone, fetch, fetch-data, pull and push
# each show a bar per phase with counts, and never with --json or in a pipe. Without REMOTE,
# fetch, fetch-data, pull and push use the clone's remote, as git uses origin.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 70 base
printf 'write wtok\n' >tokens
serve src --tokens tokens
export HANGAR_TOKEN=wtok

# on_tty NAME ARGS...: runs hangar ARGS on a terminal; its screen is in $T/NAME.tty.
on_tty() {
  local name=$1 cmd="'$HANGAR'" a
  shift
  for a in "$@"; do cmd+=" '$a'"; done
  script -qec "$cmd" /dev/null >"$T/$name.tty" </dev/null || die "hangar $* on a terminal: $(cat -v "$T/$name.tty")"
}
# bar NAME LABEL: the screen shows a finished bar LABEL.
bar() {
  grep -Eq "$2 \[#{30}\] [0-9]+/[0-9]+" "$T/$1.tty" || die "no '$2' bar: $(cat -v "$T/$1.tty")"
}

on_tty clone clone "$URL" "$T/a" --user-name a --user-email a@example.org
bar clone "clone history"
bar clone "clone data"
# The same clone in a pipe, and with --json on a terminal: no bar.
ok clone "$URL" b --user-name b --user-email b@example.org
on_tty clone-json --json clone "$URL" "$T/c" --user-name c --user-email c@example.org
! grep -q 'clone history' "$T/clone-json.tty" || die "a bar with --json"

# Two new commits upstream: fetch shows history, fetch-data and pull the data they changed.
random_npys more 70 8
ok -C src import small "$T/more"
ok -C src commit -m "src: small"
on_tty fetch -C "$T/b" fetch
bar fetch "fetch history"
on_tty fetch-data -C "$T/b" fetch-data origin origin/main
bar fetch-data "fetch-data data"
on_tty pull -C "$T/a" pull
bar pull "pull history"
bar pull "pull data"
ok -C a get small 0003

# push: one bar of the records it sends.
random_npys mine 70 8
ok -C a import extra "$T/mine"
ok -C a commit -m "a: extra"
on_tty push -C "$T/a" push
bar push "push"
ok -C src get extra 0005
ok -C a push --json
jcheck '.remote == "origin" and .branch == "main" and .result == "up-to-date"' "push without REMOTE"

# A repository without a remote: each says so, with the command that adds one.
for cmd in fetch fetch-data push pull; do
  fails 3 "this repository has no remote; add one with 'hangar remote add NAME URL' or give REMOTE" \
    -C src "$cmd"
done
