# Subsets of a served repository: --max-bytes over every selected column together
# (bytes stored and bytes received both within it; a percentage too), --stratify with
# --fraction and with --max-bytes on unequal classes from 'import --labels', and summary --by
# in a partial clone whose label column is only partly local.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

# 60 images (16x16 RGB PNG, 768 raw bytes) in classes a:6 b:12 c:18 d:24, and a float32 [4]
# metadata .npy per image under the same relative path (the same key).
scratch=$T/.gen
ok init "$scratch" --user-name gen --user-email gen@example.org
ok -C "$scratch" column create img --dtype uint8 --shape 16,16,3
n=0
for spec in a:6 b:12 c:18 d:24; do
  class=${spec%%:*}
  mkdir -p "$T/meta/$class"
  for ((i = 0; i < ${spec##*:}; i++)); do
    n=$((n + 1))
    make_npy "$scratch/x.npy" '|u1' 16,16,3 "$(patternhex 768 "$n")"
    ok -C "$scratch" put img "$class/$(printf '%03d' "$i")" x.npy
    make_npy "$T/meta/$class/$(printf '%03d' "$i").npy" '<f4' 4 "$(patternhex 16 $((n + 500)))"
  done
done
ok -C "$scratch" export img "$T/photos" --format png
ok init src --user-name t --user-email t@example.org
ok -C src import images "$T/photos" --labels label
ok -C src import meta "$T/meta" --recursive
ok -C src commit -m classes
ok -C src summary --json
jcheck '[.columns[] | {(.name): .count}] | add == {"images": 60, "label": 60, "meta": 60}' \
  "three aligned columns"
serve src

# local_nbytes summed over the columns of DIR's summary.
local_sum() {
  ok -C "$1" summary --json
  jget '[.columns[].local_nbytes] | add'
}
# keys local in every column of DIR, per class of 'label', as "a=N b=N ...".
class_counts() {
  ok -C "$1" summary --by label --json
  jget '[.classes[] | "\(.class)=\(.local_count)"] | join(" ")'
}

# --- --max-bytes over images + labels + meta: whole samples, both bounds kept. The ~6.5 KB of
# handshake and history the clone receives first count too (samples of one chunk are inline in
# the record pages: no descriptor objects).
for budget in 17000 27000 43000; do
  ok clone "$URL" "b$budget" --max-bytes "$budget" --json
  jcheck ".bytes_received <= $budget" "clone --max-bytes $budget: bytes received"
  units=$(jget .selection.units)
  jcheck ".selection.samples == 3 * .selection.units and .selection.max_bytes == $budget and
    .selection.units + .selection.units_left == 60" "complete samples, reported"
  (($(local_sum "b$budget") <= budget)) || die "local_nbytes over --max-bytes $budget"
  jcheck "[.columns[] | select(.name != \"label\") | .local_count] == [$units, $units]" \
    "images and meta local together ($units keys)"
done
((units > 20)) || die "43000 bytes take more than 20 keys, took $units"
ok clone "$URL" only2 --max-bytes 17000 --columns images,meta --json
jcheck '.bytes_received <= 17000 and .selection.units > 0 and
  .selection.samples == 2 * .selection.units' "two columns"

# fetch-data --max-bytes into a history-only clone: the same bounds (only the handshake comes
# first); the same command again moves nothing and does not even connect.
ok clone "$URL" fd --no-data
ok -C fd fetch-data origin --max-bytes 9400 --json
jcheck '.bytes_received <= 9400 and .selection.units >= 8 and
  .selection.samples == 3 * .selection.units' "fetch-data --max-bytes: bytes received, whole samples"
(($(local_sum fd) <= 9400)) || die "fetch-data --max-bytes: local_nbytes"
ok -C fd fetch-data origin --max-bytes 9400 --json
jcheck '.chunks == 0 and .chunks_missing == 0 and .bytes_received == 0' "nothing moves twice"

# A percentage of the selected samples' raw bytes; text report.
ok clone "$URL" pct --max-bytes 50%
grep -Eq '^took [0-9]+ keys \([0-9]+ samples, .*\) within --max-bytes .*; left on the remote: [0-9]+ keys' \
  "$OUT" || die "clone text report"
ok clone "$URL" pct2 --max-bytes 50% --json
raw=$((60 * (768 + 8 + 16)))
jcheck ".selection.max_bytes == $((raw / 2)) and .bytes_received <= $((raw / 2))" "50%"
(($(local_sum pct2) <= raw / 2)) || die "50%: local_nbytes"

# --- --stratify with --fraction: round(F * n) of every class, the same keys for a seed.
ok clone "$URL" s1 --stratify label --fraction 0.5 --seed 3 --json
jcheck '.selection.label_chunks > 0' "labels fetched first"
[[ $(class_counts s1) == "a=3 b=6 c=9 d=12" ]] || die "--fraction 0.5 per class: $(class_counts s1)"
ok clone "$URL" s2 --stratify label --fraction 0.5 --seed 3
ok clone "$URL" s3 --stratify label --fraction 0.5 --seed 4
ok -C s1 export images "$T/e1"
ok -C s2 export images "$T/e2"
ok -C s3 export images "$T/e3"
diff -r "$T/e1" "$T/e2" >/dev/null || die "same seed, other keys"
! diff -r "$T/e1" "$T/e3" >/dev/null || die "other seed, same keys"
[[ $(class_counts s3) == "a=3 b=6 c=9 d=12" ]] || die "seed 4 per class: $(class_counts s3)"

# The label column need not be selected: its chunks come first all the same (and stay).
ok clone "$URL" s4 --stratify label --fraction 0.5 --seed 3 --columns images
ok -C s4 summary --json
jcheck '[.columns[] | {(.name): .local_count}] | add == {"images": 30, "label": 60, "meta": 0}' \
  "--columns images --stratify label"
ok -C s4 export images "$T/e4"
diff -r "$T/e1" "$T/e4" >/dev/null || die "the same keys whatever the columns"

# --- --stratify with --max-bytes: each class its share, both bounds kept.
ok clone "$URL" sb --stratify label --max-bytes 40000 --seed 1 --json
jcheck '.bytes_received <= 40000' "stratified budget: bytes received"
(($(local_sum sb) <= 40000)) || die "stratified budget: local_nbytes"
ok -C sb summary --by label --json
jcheck '[.classes[] | .local_count / .count] | (min > 0.2 and max - min < 0.2)' \
  "every class about the same share: $(class_counts sb)"

# --- fetch-data --stratify into a history-only clone; summary --by with partial labels.
ok clone "$URL" part --no-data
ok -C part summary --by label --json
jcheck '.unknown.count == 60 and (.classes | length) == 0' "no label local: all unknown"
ok -C part fetch-data origin --keys a/000 --columns label
ok -C part summary --by label --json
jcheck '.classes == [{"class": "a", "value": 0, "count": 6, "local_count": 0, "nbytes": 4752,
  "local_nbytes": 48}] and .unknown.count == 54' "class a labelled (one shared chunk), the rest unknown"
ok -C part summary --by label
grep -q '54 keys have an unknown label' "$OUT" || die "summary --by text: unknown labels"
ok -C part fetch-data origin --stratify label --fraction 0.25 --seed 9 --json
jcheck '.selection.label_chunks == 3' "the three missing label chunks first"
[[ $(class_counts part) == "a=2 b=3 c=5 d=6" ]] || die "fetch-data --stratify: $(class_counts part)"
ok -C part summary --by label --json
jcheck '.unknown.count == 0' "labels all local now"

# --- errors: usage (2) and a label column that is not one (InvalidArgument, 3).
fails 2 "stratify" clone "$URL" x --stratify label
fails 2 "percentage" clone "$URL" x --max-bytes 150%
fails 2 "percentage" clone "$URL" x --max-bytes 0%
fails 2 "" clone "$URL" x --no-data --stratify label --fraction 0.5
fails 2 "" -C part fetch-data origin --stratify label --fraction 0.5 --all-history
fails 3 "'images' cannot be a label column" clone "$URL" x --stratify images --fraction 0.5
[[ ! -e x ]] || die "a failed clone leaves nothing"
fails 3 "cannot be a label column" -C part summary --by meta
# (The handshake and history with the 4 label chunks take ~6.8 KB: samples of one chunk are
# inline in the pages, so 7000 bytes would hold them.)
fails 3 "needs its labels first" clone "$URL" x --stratify label --max-bytes 3000
echo "remote_subset: ok"
