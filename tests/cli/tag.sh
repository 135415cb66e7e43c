# tag: create, list (text and --json), delete; tags as revisions (with steps, full ref names,
# ambiguity with a branch); name rules; push REMOTE --tags / push REMOTE TAG (never moving a
# remote tag without --force); fetch and clone bring tags and never clobber a local one.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"
source "$here/remote/serve.sh"

make_src 4 one
c1=$(jget .commit)
random_npys more 2 16
ok -C src import small "$T/more"
ok -C src commit -m two --json
c2=$(jget .commit)

# Create (default HEAD, or any revision), list, --json.
ok -C src tag v2
grep -q "^created tag v2 at " "$OUT" || die "tag v2 output"
ok -C src tag v1 HEAD~1 --json
jcheck ".name == \"v1\" and .commit == \"$c1\"" "tag v1 HEAD~1 --json"
ok -C src tag
[[ $(cut -d' ' -f1 "$OUT" | tr '\n' ' ') == "v1 v2 " ]] || die "tag lists v1 then v2"
ok -C src tag --list --json
jcheck ".tags == [{\"name\": \"v1\", \"commit\": \"$c1\"}, {\"name\": \"v2\", \"commit\": \"$c2\"}]" "tag --list --json"
ok --json -C src tag
jcheck '.tags | length == 2' "--json before tag"

# Tags are revisions everywhere: log, show, diff, checkout (detached), with steps.
ok -C src log v1 --json
jcheck ".[0].digest == \"$c1\" and length == 1" "log v1"
ok -C src log v2~1 --json
jcheck ".[0].digest == \"$c1\"" "log v2~1"
ok -C src log refs/tags/v2 --json
jcheck ".[0].digest == \"$c2\"" "log refs/tags/v2"
ok -C src diff v1 v2 --json
ok -C src show v1

# A name that is a tag and a branch at different commits is ambiguous; full names settle it.
ok -C src branch both HEAD~1
ok -C src tag both
fails 3 "ambiguous.*refs/tags/both.*refs/heads/both" -C src log both
ok -C src log refs/heads/both --json
jcheck ".[0].digest == \"$c1\"" "refs/heads/both"
ok -C src tag -d both
ok -C src branch delete both

# Errors: name rules, an existing tag, an unknown tag, a bad revision.
fails 3 "invalid tag name '\.\./x'" -C src tag ../x
fails 3 "invalid tag name 'a\.\.b'.*'\.\.'" -C src tag a..b
fails 3 "invalid tag name 'x~1'" -C src tag x~1
fails 3 "invalid tag name 'a/\.hidden'" -C src tag a/.hidden
fails 3 "tag 'v1' already exists" -C src tag v1
fails 3 "no tag 'nope'" -C src tag -d nope
fails 3 "unknown revision 'nope'.*tag" -C src tag v3 nope
fails 2 "-d takes one NAME" -C src tag -d v1 v9

# Delete.
ok -C src tag v9
ok -C src tag -d v9
grep -q "^deleted tag v9 (was " "$OUT" || die "tag -d output"
ok -C src tag --json
jcheck '[.tags[].name] == ["v1", "v2"]' "v9 is gone"

# gc keeps a commit only a tag names; fsck checks tagged commits.
ok -C src branch side
ok -C src checkout side
ok -C src rm images 0000
ok -C src commit -m side-only --json
c3=$(jget .commit)
ok -C src tag keep
ok -C src checkout main
ok -C src branch delete side --force
ok -C src gc
ok -C src log keep --json
jcheck ".[0].digest == \"$c3\"" "gc kept the tagged commit"
ok -C src fsck

# A clone brings every tag (its history too) from a server and from a path.
printf '# tokens\nwrite wtok\n' >tokens
serve src --tokens tokens
export HANGAR_TOKEN=wtok
ok clone "$URL" a --json
jcheck '[.tags[].name] == ["keep", "v1", "v2"]' "clone --json lists tags"
ok -C a tag --json
jcheck "[.tags[].name] == [\"keep\", \"v1\", \"v2\"] and .tags[0].commit == \"$c3\"" "clone tags"
ok -C a log keep --json
jcheck ".[0].digest == \"$c3\"" "the clone has the tagged history"
ok clone "$T/src" p
ok -C p tag --json
jcheck '(.tags | length) == 3' "path clone tags"

# push REMOTE TAG and push REMOTE --tags; the server keeps them as refs/tags.
ok -C a tag a1 v1
ok -C a push origin a1
grep -q "^pushed tag a1 to origin: created" "$OUT" || die "push origin a1"
ok -C src log a1 --json
jcheck ".[0].digest == \"$c1\"" "the server has tag a1"
ok -C a tag a2
ok -C a tag a3 v1
ok -C a push origin --tags --json
jcheck '([.tags[] | select(.result == "created") | .name] == ["a2", "a3"]) and
        ([.tags[] | select(.result == "up-to-date") | .name] | length) == 4' "push --tags --json"
ok -C a push origin --tags
grep -q "a1 to origin: up-to-date" "$OUT" || die "a second push --tags is up to date"

# A tag that the remote has elsewhere is never moved, unless --force.
ok -C src tag -d a3
ok -C src tag a3 v2
rsnap srv src
fails 3 "tag 'a3'.*rejected.*remote's tag 'a3' is at.*--force" -C a push origin a3
runchanged srv src
ok -C src log a3 --json
jcheck ".[0].digest == \"$c2\"" "a refused push left the server's a3"
ok -C a push origin a3 --force --json
jcheck ".tags[0].result == \"forced\" and .tags[0].new == \"$c1\"" "push --force moves it"
ok -C src log a3 --json
jcheck ".[0].digest == \"$c1\"" "the server's a3 moved"

# fetch brings new tags and keeps a local tag the remote has at another commit.
ok -C src tag s1 v2
ok -C src tag -d a1
ok -C src tag a1 v2
ok -C a fetch origin --json
jcheck '[.tags[].name] == ["s1"] and [.tags_kept[].name] == ["a1"]' "fetch --json tags"
ok -C a fetch origin
grep -q "warning: kept tag a1" "$OUT" || die "fetch warns about a kept tag"
ok -C a log a1 --json
jcheck ".[0].digest == \"$c1\"" "fetch did not clobber a1"

# A path remote takes tag pushes too.
ok -C p tag p1 v1
ok -C p push origin p1
ok -C src log p1 --json
jcheck ".[0].digest == \"$c1\"" "path push of a tag"
ok init empty
ok -C empty remote add origin "$T/src"
fails 3 "no tags to push" -C empty push origin --tags
echo "tag: ok"
