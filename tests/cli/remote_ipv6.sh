# Remotes on an IPv6 literal: 'hangar server --bind ::1' (or '[::1]') announces
# http://[::1]:PORT, with brackets, and clone, push, fetch and 'remote list' work with that URL.
# IPv6 loopback only; skipped (77) on a machine without it (ip -6 addr show lo).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
  { echo "FAIL: no IPv6 loopback (::1) here: enable IPv6 on lo" >&2; exit 1; }

make_src 6 base
printf 'read rtok\nwrite wtok\n' >tokens

for bind in ::1 '[::1]'; do
  serve src --tokens tokens --bind "$bind"
  port=$(cat "$T/.port.$((${#SERVER_PIDS[@]} - 1))")
  URL6="http://[::1]:$port"
  grep -qF "at $URL6 " "$SERVER_LOG" || die "banner for --bind $bind names $URL6: $(cat "$SERVER_LOG")"
  unserve "$SERVER_PID"
done

serve src --tokens tokens --bind ::1
URL6="http://[::1]:$(cat "$T/.port.$((${#SERVER_PIDS[@]} - 1))")"
export HANGAR_TOKEN=wtok
ok clone "$URL6" c6 --json
jcheck '.branch == "main"' "clone over [::1]"
ok -C c6 remote list --json
jcheck ".[0].url == \"$URL6\"" "remote list shows the URL with its brackets"
ok -C src export images "$T/want" --format npy
ok -C c6 export images "$T/got" --format npy
diff -r "$T/want" "$T/got" >/dev/null || die "clone over [::1] differs"

random_npys more 2 16
ok -C c6 import small "$T/more"
ok -C c6 commit -m more
ok -C c6 push origin --json
jcheck '.result == "fast-forward" and .chunks == 2' "push over [::1]"
ok clone "$URL6" c6b --json
ok -C c6b export small "$T/got-small" --format npy
ok -C c6 export small "$T/want-small" --format npy
diff -r "$T/want-small" "$T/got-small" >/dev/null || die "pushed data differs"
ok -C c6b fetch origin
echo "remote_ipv6: ok"
