// Hints as 'hangar ...' command lines (hint.h).
#include <hangar/report/hint.h>

namespace hangar::report {

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string joined(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// 'hangar fetch-data [REMOTE] [REVISION] [--keys K,..] [--columns C] [--all-history]'; a
// placeholder REMOTE when the remote is unknown and more arguments follow it.
std::string fetch_data_command(const Hint& h) {
  std::string args;
  if (!h.revision.empty()) args += " " + h.revision;
  if (!h.keys.empty()) args += " --keys " + joined(h.keys, ",");
  if (!h.column.empty()) args += " --columns " + h.column;
  if (h.all_history) args += " --all-history";
  const std::string remote = !h.remote.empty() ? " " + h.remote : args.empty() ? "" : " REMOTE";
  return quoted("hangar fetch-data" + remote + args);
}

std::string identity_commands(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& key : keys)
    out += (out.empty() ? "" : " and ") +
           quoted("hangar config --global " + key + " " +
                  (key == "user.name" ? "\"Your Name\"" : "you@example.org"));
  return out;
}

}  // namespace

std::string hint_sentence(const Hint& h) {
  switch (h.action) {
    case HintAction::Init:
      return "run 'hangar init'";
    case HintAction::InitOrLocate:
      return "run 'hangar init' or pass -C DIR";
    case HintAction::Upgrade:
      return "run 'hangar upgrade' (it keeps the old data until the new is verified)";
    case HintAction::FinishUpgrade:
      return "run 'hangar upgrade' in " + quoted(h.path) + " to finish its upgrade";
    case HintAction::UpgradeRemote:
      return "upgrade the server's hangar and run 'hangar upgrade' on the repository it serves";
    case HintAction::Fsck:
      return "run 'hangar fsck'";
    case HintAction::FsckRehash:
      return "run 'hangar fsck --rehash'";
    case HintAction::FetchData:
      return "run " + fetch_data_command(h);
    case HintAction::FetchSample:
      return "run " + fetch_data_command(h) + " or set 'hangar config fetch.lazy true'";
    case HintAction::CompleteClone: {
      const std::string clone = quoted("hangar clone " + h.url + " " + h.path);
      if (h.remote.empty()) return "run the same " + clone + " again to complete it";
      return "run " + quoted("hangar fetch-data " + h.remote) + " or the same " + clone +
             " again to complete it";
    }
    case HintAction::SetIdentity:
      return "run " + identity_commands(h.keys) + " (without --global: for this repository only)";
    case HintAction::ManagedByRemote:
      return "it is managed by 'hangar remote': use 'hangar remote add|set-url|remove' instead";
    case HintAction::ColumnList:
      return "see 'hangar column list'";
    case HintAction::CreateColumn:
      return "create it with 'hangar column create'";
    case HintAction::CreateVariableShapeColumn:
      return "to keep files of different sizes, create the column with " +
             quoted("hangar column create " + h.column + " --dtype " + h.dtype +
                    " --shape LARGEST --variable-shape") +
             " before the import";
    case HintAction::AddClasses:
      return "pass --add-classes to append them to the classes of " + quoted(h.column);
    case HintAction::BranchList:
      return "see 'hangar branch list'";
    case HintAction::RevisionList:
      return "see 'hangar branch list --all', 'hangar tag' and 'hangar log'";
    case HintAction::Log:
      return "see " + quoted("hangar log " + h.revision);
    case HintAction::LogGraph:
      return "see 'hangar log --graph'";
    case HintAction::CommitOrReset:
      return "commit them or run 'hangar reset'";
    case HintAction::CheckoutNewBranch:
      return "run 'hangar checkout -b NEW' to work on a new branch there (staged changes go "
             "with it)";
    case HintAction::Stage:
      return "stage changes with 'hangar put', 'hangar import' or 'hangar rm'";
    case HintAction::TagList:
      return "see 'hangar tag'";
    case HintAction::DeleteTag:
      return "delete it first with " + quoted("hangar tag -d " + h.name);
    case HintAction::AddRemote:
      return "add one with 'hangar remote add NAME URL'";
    case HintAction::RemoteList:
      return "see 'hangar remote list'";
    case HintAction::RemoveRemote:
      return "remove it first with " + quoted("hangar remote remove " + h.remote);
    case HintAction::FetchAndMerge:
      return "run " + quoted("hangar fetch " + h.remote) + " and merge " +
             quoted(h.remote + "/" + h.revision) + " first, or push with --force";
    case HintAction::PullBranch:
      return "give the remote's branch: " + quoted("hangar pull " + h.remote + " BRANCH");
    case HintAction::Push:
      return "push them first with " + quoted("hangar push " + h.remote + " " + h.revision);
    case HintAction::ServeStore:
      return "push there through " + quoted("hangar server --store " + h.url);
    case HintAction::StartServer:
      return "check the URL and that 'hangar server' runs";
    case HintAction::OtherPort:
      return "stop it or pick another --port";
  }
  return "";
}

std::string hint_suffix(const Hint& hint) {
  const bool colon = hint.action == HintAction::Upgrade || hint.action == HintAction::UpgradeRemote;
  return (colon ? ": " : "; ") + hint_sentence(hint);
}

std::string error_text(const Error& error) {
  std::string text = error.what();
  if (const Hint* h = error.hint()) text += hint_suffix(*h);
  return text;
}

}  // namespace hangar::report
