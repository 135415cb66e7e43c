# clone (full, --max-bytes, --fraction, --no-data, a plain path), fetch-data, reading and
# exporting samples that are not local, remote add/remove/list, branch list --all: against a
# real 'hangar server'.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 60 base
base=$(jget .commit)
serve src

ok clone "$URL" full --json
jcheck '.branch == "main" and .samples == 60 and .chunks == 60 and .bytes_received > 60 * 3072' \
  "clone --json reports what moved"
jq -e --arg c "$base" '.head == $c and .remote_branches == [{"name":"origin/main","commit":$c}]' \
  "$OUT" >/dev/null || die "clone --json head and remote branches"
ok -C full summary --json
jcheck '.columns[0] | .count == 60 and .local_count == 60 and .local_nbytes == .nbytes' "full"
ok -C full get images 0007 -o "$T/a.npy"
ok -C src get images 0007 -o "$T/b.npy"
cmp -s "$T/a.npy" "$T/b.npy" || die "cloned sample differs"
ok -C full remote list --json
jq -e --arg u "$URL" '.[0].name == "origin" and .[0].url == $u and
  .[0].branches[0].name == "origin/main"' "$OUT" >/dev/null || die "remote list --json"

# --max-bytes: samples in key order while they fit (3072 bytes each), never over.
# The budget bounds everything the clone receives: ~2.5-3 KB of handshake and history first
# (samples of one chunk are inline in the record pages: no descriptor objects), then 3118
# bytes on the wire per sample (3072 + a 46-byte record head) and 70 per request: 3 samples
# need 9424 + history, 4 would need 12542 + history.
ok clone "$URL" part --max-bytes 13500 --json
jcheck '.samples == 3 and .chunks == 3 and .bytes_received <= 13500' "3 samples fit 13500 bytes"
jcheck '.selection | .units == 3 and .nbytes == 9216 and .units_left == 57 and
  .nbytes_left == 57 * 3072 and .max_bytes == 13500' "clone --json selection report"
ok -C part summary --json
jcheck '.columns[0] | .count == 60 and .local_count == 3 and .local_nbytes <= 13500' "part"
ok -C part get images 0002 -o "$T/c.npy"
fails 3 "0003.*not local.*hangar fetch-data origin HEAD --keys 0003" -C part get images 0003
ok -C part export images "$T/exp" --json
jcheck '.written == 3 and .skipped_not_local == 57' "export of a partial column"
fails 3 "not local" -C part export images "$T/exp2" --require-all

# fetch-data: the rest, then nothing again.
ok -C part fetch-data origin --json
jcheck '.chunks == 57 and .chunks_missing == 57 and .chunks_unavailable == 0' "fetch-data rest"
ok -C part fetch-data origin --json
jcheck '.chunks == 0 and .chunks_missing == 0 and .bytes_received == 0' "nothing moves twice"
ok -C part summary --json
jcheck '.columns[0].local_count == 60' "all local after fetch-data"

# --fraction F --seed S: reproducible.
ok clone "$URL" f1 --fraction 0.25 --seed 7 --json
n1=$(jget .samples)
ok clone "$URL" f2 --fraction 0.25 --seed 7 --json
[[ $(jget .samples) == "$n1" ]] || die "--fraction with the same seed picks the same samples"
(( n1 > 5 && n1 < 30 )) || die "--fraction 0.25 of 60 picked $n1"
ok -C f1 export images "$T/e1"
ok -C f2 export images "$T/e2"
diff -r "$T/e1" "$T/e2" >/dev/null || die "same seed, same samples"
ok -C f1 fetch-data origin --keys 0000 0001 --json
jcheck '.samples == 2' "fetch-data --keys"
fails 2 "empty key" -C f1 fetch-data origin --keys 0000,,0001

# --no-data, and a plain path as the remote (no HTTP, same negotiation).
ok clone "$URL" bare --no-data --json
jcheck '.chunks == 0 and .samples == 0' "--no-data"
ok -C bare summary --json
jcheck '.columns[0].local_count == 0' "history only"
ok -C bare fetch-data origin --keys 0002,0003 --json
jcheck '.samples == 2' "fetch-data --keys A,B"
# (~2.5-3 KB of history, then 3118 bytes a sample: 2 fit 10500 bytes, 3 would not.)
ok clone src viapath --max-bytes 10500 --json
jcheck '.samples == 2' "clone of a path"
ok -C viapath remote list --json
jq -e --arg p "$T/src" '.[0].url == $p' "$OUT" >/dev/null || die "a path remote is stored absolute"

# remote add / remove.
ok -C bare remote add backup "$URL" --json
jcheck '.name == "backup"' "remote add --json"
fails 3 "already exists" -C bare remote add backup "$URL"
fails 3 "invalid remote name" -C bare remote add "a/b" "$URL"
ok -C bare fetch backup --json
jcheck '.updated[0].name == "backup/main"' "fetch creates backup/main"
ok -C bare branch list --all --json
jq -e --arg c "$base" '. == [{"name":"main","commit":$c,"current":true,"remote":false},
  {"name":"backup/main","commit":$c,"current":false,"remote":true},
  {"name":"origin/main","commit":$c,"current":false,"remote":true}]' "$OUT" >/dev/null ||
  die "branch list --all --json: local, then remote-tracking branches"
ok -C bare branch -a
[[ $(cat "$OUT") == "* main         ${base:0:12}
  backup/main  ${base:0:12}  (remote)
  origin/main  ${base:0:12}  (remote)" ]] || die "branch -a marks remote-tracking branches"
ok -C bare branch list --json
jcheck '[.[] | [.name, .remote]] == [["main", false]]' "without --all: local branches only"
ok -C bare branch list --help
grep -q -- '-a,--all.*remote-tracking' "$OUT" || die "branch list --help documents --all"
ok -C bare log backup/main~0 -n 1 --json
jq -e --arg c "$base" '.[0].digest == $c' "$OUT" >/dev/null || die "a remote-tracking revision"
ok -C bare remote remove backup
ok -C bare remote list --json
jcheck '[.[].name] == ["origin"] and (.[0].branches | length) == 1' "remove drops tracking refs"
fails 3 "no remote 'backup'" -C bare remote remove backup

# fetch --prune: a branch deleted on the remote loses its tracking branch only when asked.
ok -C src branch create gone
ok -C bare fetch origin --json
jcheck '[.updated[].name] == ["origin/gone"] and .pruned == []' "fetch brings origin/gone"
ok -C src branch delete gone
ok -C bare fetch origin --json
jcheck '.updated == [] and .pruned == []' "fetch without --prune keeps origin/gone"
ok -C bare fetch origin --prune --json
jcheck '.pruned == ["origin/gone"]' "fetch --prune deletes origin/gone"
ok -C bare branch list --all --json
jcheck '[.[].name] == ["main", "origin/main"]' "origin/gone is gone"
fails 2 "" -C bare fetch origin main --prune

# Usage errors are exit 2; a destination that is not empty is exit 3 and untouched.
fails 2 "" clone "$URL" x --no-data --max-bytes 1M
fails 2 "" clone "$URL" x --max-bytes 12Q
fails 2 "fraction" clone "$URL" x --fraction 1.5
[[ ! -e x ]] || die "a refused clone created its folder"
fails 3 "not empty" clone "$URL" full
unserve "$SERVER_PID"
