# The generated documents match the binary: docs/reference/hangar.md is 'hangar help --all'
# and docs/reference/hangar.bash is 'hangar completion bash' (scripts/update_reference.sh
# rewrites both), and the completion script completes commands, subcommands and options.
DOCS=$(cd "$(dirname "$0")/../../docs/reference" && pwd)
source "$(dirname "$0")/lib.sh" "$1"

ok help --all
diff -u "$DOCS/hangar.md" "$OUT" >/dev/null ||
  die "docs/reference/hangar.md differs from 'hangar help --all'; run scripts/update_reference.sh"
grep -qx '## hangar column create' "$OUT" || die "the reference has a section per command"
grep -q -- '--dtype' "$OUT" || die "the reference holds the options"
fails 2 "excludes" help --all commit

ok completion bash
diff -u "$DOCS/hangar.bash" "$OUT" >/dev/null ||
  die "docs/reference/hangar.bash differs from 'hangar completion bash'; run scripts/update_reference.sh"
cp "$OUT" completion.bash
fails 2 "zsh" completion zsh

# complete WORD...: the candidates bash offers for the last word after 'hangar WORD...'.
source completion.bash
complete_words() {
  COMP_WORDS=(hangar "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _hangar
  echo "${COMPREPLY[*]}"
}
[[ $(complete_words col) == "column" ]] || die "col -> column: $(complete_words col)"
[[ $(complete_words com) == "commit completion" ]] || die "com: $(complete_words com)"
[[ $(complete_words column cr) == "create" ]] || die "column cr: $(complete_words column cr)"
[[ $(complete_words column create --dt) == "--dtype" ]] || die "--dt: $(complete_words column create --dt)"
[[ $(complete_words -C repo fetch-data origin --ke) == "--keys" ]] ||
  die "-C DIR and a positional are skipped: $(complete_words -C repo fetch-data origin --ke)"
[[ $(complete_words clone --js) == "--json" ]] || die "--js: $(complete_words clone --js)"
[[ $(complete_words status --ver) == "--version" ]] || die "global options: $(complete_words status --ver)"
[[ -z $(complete_words column create x --dtype uint8 zz) ]] || die "no command word after options"
