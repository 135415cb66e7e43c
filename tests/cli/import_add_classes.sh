# import --labels into an existing labels column: class folders it lacks are an error that names
# them and hints --add-classes; with --add-classes they get the ids after the old ones (sorted),
# a staged schema change that commit records and reset drops, the old samples kept.
source "$(dirname "$0")/lib.sh" "$1"

make_image_tree photos "cat dog" 2 8
make_image_tree more "eel cat bird" 2 8
ok init repo --user-name t --user-email t@example.org
cd repo
ok import images ../photos --labels label
ok commit -m "cats and dogs"

# Without --add-classes: an error naming the classes the column lacks, nothing staged.
fails 3 "class folders 'bird', 'eel' are not among the classes of labels column 'label'; pass --add-classes to append them to the classes of 'label'$" \
  import more ../more --labels label
ok status --json
jcheck '.staged == {} and .columns_added == [] and .columns_changed == []' "nothing staged"
fails 2 "requires --labels|--labels is required" import more ../more --add-classes

# With it: bird and eel get 2 and 3, cat keeps 0, dog 1; staged as a changed column.
ok import more ../more --labels label --add-classes
grep -qx "labels in label: 4 classes (0=cat, 1=dog, 2=bird, 3=eel)" "$OUT" || die "import output: $(cat "$OUT")"
grep -qx "added 2 classes to label (staged; commit records it, reset drops it)" "$OUT" ||
  die "import names the added classes"
ok status --json
jcheck '.columns_changed == ["label"] and .columns_added == ["more"] and
        .staged.label.added == 4 and .staged.label.mutated == 0' "a staged schema change"
ok status
grep -q "changed column:  label" "$OUT" || die "status shows the changed column"
ok column info label --json
jcheck '.attributes.classes == ["cat","dog","bird","eel"]' "staged classes, old ids unchanged"

# reset drops the change: the committed classes and samples are back.
ok reset
grep -qx "kept the schema of column label (change dropped)" "$OUT" || die "reset output: $(cat "$OUT")"
ok column info label --json
jcheck '.attributes.classes == ["cat","dog"] and .count == 4' "reset restores the classes"
ok status --json
jcheck '.columns_changed == [] and .staged == {}' "clean after reset"

# Again, and commit: the new classes and ids are recorded, the old samples kept.
ok import more ../more --labels label --add-classes
ok commit -m "more classes"
ok column info label --json
jcheck '.attributes.classes == ["cat","dog","bird","eel"] and .count == 8' "committed classes"
for kv in cat/000=0 dog/001=1 bird/000=2 bird/001=2 eel/001=3 cat/001=0; do
  ok get label "${kv%=*}" --json
  jcheck ".values == ${kv#*=}" "label of ${kv%=*}"
done
ok diff HEAD~1 HEAD --json
jcheck '.schema.mutated == ["label"]' "diff shows the label column's schema change"
ok fsck

# Export round-trips: the imported PNGs come back byte for byte.
ok export more ../out --format png
for f in $(cd ../more && find . -name '*.png' | sort); do
  cmp "../more/$f" "../out/$f" || die "exported $f differs from the imported file"
done
ok export label ../labels_out --format npy --keys eel/000
ok get label eel/000 -o e.npy
cmp e.npy ../labels_out/eel/000.npy || die "exported label equals get -o"
