# config --global, the author fallback chain (repository config, global config,
# HANGAR_AUTHOR_*, passwd entry), refusing an unknown author, clone --user-name/--user-email.
source "$(dirname "$0")/lib.sh" "$1"

GLOBAL=$XDG_CONFIG_HOME/hangar/config
author() { ok log -n 1 --json; jget '.[0].author + " <" + .[0].email + ">"'; }
commit_one() {  # commit_one VALUE: stages a new sample and commits it
  make_npy x.npy '|u1' 2 "0${1}0${1}"
  ok put v "$1" x.npy
  ok commit -m "c$1"
}

ok init repo
cd repo
ok column create v --dtype uint8 --shape 2
# init without --user-name/--user-email writes no guessed identity.
run config user.name
[[ $RC -eq 1 && ! -s $OUT ]] || die "plain init stores no user.name (rc $RC)"

# The passwd entry is the last fallback.
commit_one 1
login=$(id -un)
[[ $(author) == *" <$login@"*">" ]] || die "passwd fallback: $(author)"

# HANGAR_AUTHOR_* come before the passwd entry.
export HANGAR_AUTHOR_NAME="Env Name" HANGAR_AUTHOR_EMAIL=env@example.org
commit_one 2
[[ $(author) == "Env Name <env@example.org>" ]] || die "env fallback: $(author)"

# The global config comes before the environment.
ok config --global user.name "Global Name"
[[ -f $GLOBAL ]] || die "config --global writes $GLOBAL"
grep -q '^user.name = Global Name$' "$GLOBAL" || die "global file content"
commit_one 3
[[ $(author) == "Global Name <env@example.org>" ]] || die "global name, env email: $(author)"
ok config --global user.email g@example.org
ok config --global --list
[[ $(cat "$OUT") == $'user.email=g@example.org\nuser.name=Global Name' ]] || die "--global --list"
ok config --global --list --json
jcheck '. == {"user.email": "g@example.org", "user.name": "Global Name"}'
ok config --global user.email
[[ $(cat "$OUT") == g@example.org ]] || die "read a global key"
# A key the repository does not set reads from the global file.
ok config user.email
[[ $(cat "$OUT") == g@example.org ]] || die "repository read falls back to the global value"
ok config --list --json
jcheck 'has("user.email") | not' "--list shows the repository's own settings"

# The repository config comes first.
ok config user.name "Repo Name"
commit_one 4
[[ $(author) == "Repo Name <g@example.org>" ]] || die "repository name first: $(author)"
ok config --unset user.name
ok config --global --unset user.email
run config --global user.email
[[ $RC -eq 1 && ! -s $OUT ]] || die "unset global key reads as unset (rc $RC)"
ok config --global --unset user.email  # unsetting an unset key is fine

# Only user.* goes in the global file; usage errors are exit 2.
fails 3 "fetch.lazy.*global config" config --global fetch.lazy true
fails 3 "useConfigOnly must be 'true' or 'false'" config --global user.useConfigOnly maybe
fails 3 "cannot be empty" config --global user.name ""
fails 2 "--unset takes a KEY and no VALUE" config --global --unset user.name x

# user.useConfigOnly: no guessing. A commit without a known author is refused and changes
# nothing, with a message saying how to set it.
unset HANGAR_AUTHOR_NAME HANGAR_AUTHOR_EMAIL
ok config --global user.useConfigOnly true
make_npy x.npy '|u1' 2 0909
ok put v 9 x.npy
snapshot before
fails 3 "author identity unknown: no user.email .*hangar config --global user.email" commit -m x
unchanged before
ok config --global --unset user.name
fails 3 "no user.name / user.email .*user.name \"Your Name\"' and 'hangar config --global user.email" \
  commit -m x
unchanged before
export HANGAR_AUTHOR_NAME="Env Name" HANGAR_AUTHOR_EMAIL=env@example.org
ok commit -m x
[[ $(author) == "Env Name <env@example.org>" ]] || die "env under useConfigOnly: $(author)"
unset HANGAR_AUTHOR_NAME HANGAR_AUTHOR_EMAIL

# Without HOME and XDG_CONFIG_HOME there is no global file: reading says so, commit still works
# from the repository config.
ok config user.name "Repo Name"
ok config user.email repo@example.org
make_npy x.npy '|u1' 2 0a0a
ok put v 10 x.npy
(
  unset XDG_CONFIG_HOME HOME
  fails 3 "neither XDG_CONFIG_HOME nor HOME" config --global user.name
  ok commit -m no-home
)

# clone --user-name/--user-email set the clone's identity.
cd "$T"
ok clone repo copy --user-name "Clone Name" --user-email clone@example.org
cd copy
ok config user.name
[[ $(cat "$OUT") == "Clone Name" ]] || die "clone --user-name"
make_npy x.npy '|u1' 2 0b0b
ok put v 11 x.npy
ok commit -m in-clone
[[ $(author) == "Clone Name <clone@example.org>" ]] || die "clone identity: $(author)"
cd "$T"
ok clone repo copy2
ok -C copy2 config --list --json
jcheck 'has("user.name") | not' "a plain clone stores no identity"
echo "config_identity: ok"
