# Reports that tell the truth: --keys that match nothing are an error naming them
# (export, clone, fetch-data, drop-data); "samples" counts keys, not distinct contents;
# export --require-all checks before it writes a file, and export reports the bytes it wrote;
# the hint after a read that is not local names the revision read; a plain clone says that
# older commits' data is not local; plural forms.
source "$(dirname "$0")/lib.sh" "$1"

# src: 6 keys of column v whose contents are all equal (one chunk), and 6 of w, all different.
ok init src --user-name t --user-email t@example.org
ok -C src column create v --dtype int32 --shape 4
ok -C src column create w --dtype int32 --shape 4
make_npy same.npy '<i4' 4 01000000020000000300000004000000
for k in 0 1 2 3 4 5; do
  make_npy "w$k.npy" '<i4' 4 "0${k}000000ff000000ee000000dd000000"
  ok -C src put v "$k" "$T/same.npy"
  ok -C src put w "$k" "$T/w$k.npy"
done
ok -C src commit -m six
first=$(cd src && "$HANGAR" log --json | jq -r '.[0].digest')

# --- export --keys: every key that matches nothing is named, nothing is written.
fails 3 "--keys: no sample has keys '7', 'x/y' and '9' in column 'v'" \
  -C src export v "$T/none" --keys 7,x/y,2,9
[[ ! -e $T/none ]] || die "a failed export --keys wrote something"
fails 3 "no sample has key '8' in column 'v'" -C src export v "$T/none" --keys 8
keys=$(seq -s, 100 114)
fails 3 "keys '100', '101', .*'109' and 5 more in column 'v'" -C src export v "$T/none" --keys "$keys"

# --- export reports the bytes of the files it wrote, and the decoded bytes.
ok -C src export v "$T/exp" --json
size=$(cat "$T"/exp/*.npy | wc -c)
jcheck ".written == 6 and .bytes == 96 and .file_bytes == $size" "export bytes"
ok -C src export v "$T/exp1" --keys 0
grep -Eqx "wrote 1 file \\([0-9]+ B, 16 B decoded\\) to $T/exp1" "$OUT" || die "export text"

# --- clone, fetch-data, drop-data: unmatched keys before anything moves.
fails 3 "--keys: no sample has keys '77' and 'q' in any column at commit" \
  clone src c0 --keys 1,q,77
[[ ! -e c0 ]] || die "a refused clone left its folder"
ok clone src part --no-data
fails 3 "--keys: no sample has key 'q' in the selected columns at commit" \
  -C part fetch-data origin --keys 1,q --columns v
fails 3 "--keys: no sample has key 'q' in any column at any commit up to" \
  -C part fetch-data origin --keys q --all-history

# --- "samples" counts keys: 6 keys of v with one content are 6 samples.
ok -C part fetch-data origin --columns v --json
jcheck '.samples == 6 and .selection.samples == 6 and .selection.units == 6 and
  .chunks == 1' "fetch-data: 6 samples of one content"
ok clone src full --columns v --json
jcheck '.samples == 6 and .selection.samples == 6' "clone: 6 samples of one content"
ok -C full drop-data --dry-run --json
jcheck '.samples_selected >= 6' "drop-data counts"
fails 3 "--keys: no sample has keys 'nope' and 'zz' in any column at commit" \
  -C full drop-data --keys 0,nope,zz --dry-run

# --- the hint after a read that is not local names the revision read.
fails 3 "sample '2' of the staged state is not local; run 'hangar fetch-data origin HEAD --keys 2'" \
  -C part get w 2
fails 3 "sample '2' of commit [0-9a-f]+ is not local; run 'hangar fetch-data origin [0-9a-f]+ --keys 2'" \
  -C part get w 2 --ref "$first"

# --- export --require-all checks every sample before it writes a file.
fails 3 "cannot export 'w' with --require-all: 6 of 6 samples are not local \\(keys '0', '1', '2', '3', '4' and 1 more\\); nothing was written" \
  -C part export w "$T/req" --require-all
[[ ! -e $T/req ]] || die "export --require-all wrote before failing"
ok -C part export v "$T/req" --require-all
[[ $(ls "$T/req" | wc -l) -eq 6 ]] || die "export --require-all of local samples"

# --- a plain clone says that the data of older commits is not local, and how to fetch it.
make_npy other.npy '<i4' 4 09000000090000000900000009000000
ok -C src put w 0 "$T/other.npy"
ok -C src commit -m "w/0 changes"
ok clone src plain
grep -q "^note: the data of older commits is not local (1 chunk only they use); 'hangar -C .*plain fetch-data origin --all-history' fetches it$" "$OUT" ||
  die "plain clone note"
grep -q "^cloned .*: [0-9]* objects, 7 chunks, " "$OUT" || die "clone counts"
ok clone src plain2 --json
jcheck '.older_chunks_not_local == 1' "clone --json older chunks"
ok -C plain2 fetch-data origin --all-history
grep -Eq "^fetched 1 chunk \\([0-9.]+ [KMG]?i?B\\) for [0-9]+ selected samples at" "$OUT" ||
  die "fetch-data text: $(cat "$OUT")"
ok clone src single --keys 0 --columns v
grep -q "^took 1 key (1 sample, 16 B)" "$OUT" || die "singular: took 1 key (1 sample)"
