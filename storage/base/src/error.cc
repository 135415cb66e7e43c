// hangar::Error helpers.
#include <hangar/error.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace hangar {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid-argument";
    case ErrorCode::NotFound:
      return "not-found";
    case ErrorCode::NotLocal:
      return "not-local";
    case ErrorCode::AlreadyExists:
      return "already-exists";
    case ErrorCode::Ambiguous:
      return "ambiguous";
    case ErrorCode::Locked:
      return "locked";
    case ErrorCode::Corrupt:
      return "corrupt";
    case ErrorCode::Io:
      return "io";
    case ErrorCode::NoSpace:
      return "no-space";
    case ErrorCode::Remote:
      return "remote";
    case ErrorCode::Unsupported:
      return "unsupported";
    case ErrorCode::Interrupted:
      return "interrupted";
    case ErrorCode::Internal:
      return "internal";
  }
  return "unknown";
}

std::string_view hint_action_name(HintAction action) noexcept {
  switch (action) {
    case HintAction::Init:
      return "init";
    case HintAction::InitOrLocate:
      return "init_or_locate";
    case HintAction::Upgrade:
      return "upgrade";
    case HintAction::FinishUpgrade:
      return "finish_upgrade";
    case HintAction::UpgradeRemote:
      return "upgrade_remote";
    case HintAction::Fsck:
      return "fsck";
    case HintAction::FsckRehash:
      return "fsck_rehash";
    case HintAction::FetchData:
      return "fetch_data";
    case HintAction::FetchSample:
      return "fetch_sample";
    case HintAction::CompleteClone:
      return "complete_clone";
    case HintAction::SetIdentity:
      return "set_identity";
    case HintAction::ManagedByRemote:
      return "managed_by_remote";
    case HintAction::ColumnList:
      return "column_list";
    case HintAction::CreateColumn:
      return "create_column";
    case HintAction::CreateVariableShapeColumn:
      return "create_variable_shape_column";
    case HintAction::AddClasses:
      return "add_classes";
    case HintAction::BranchList:
      return "branch_list";
    case HintAction::RevisionList:
      return "revision_list";
    case HintAction::Log:
      return "log";
    case HintAction::LogGraph:
      return "log_graph";
    case HintAction::CommitOrReset:
      return "commit_or_reset";
    case HintAction::CheckoutNewBranch:
      return "checkout_new_branch";
    case HintAction::Stage:
      return "stage";
    case HintAction::TagList:
      return "tag_list";
    case HintAction::DeleteTag:
      return "delete_tag";
    case HintAction::AddRemote:
      return "add_remote";
    case HintAction::RemoteList:
      return "remote_list";
    case HintAction::RemoveRemote:
      return "remove_remote";
    case HintAction::FetchAndMerge:
      return "fetch_and_merge";
    case HintAction::PullBranch:
      return "pull_branch";
    case HintAction::Push:
      return "push";
    case HintAction::ServeStore:
      return "serve_store";
    case HintAction::StartServer:
      return "start_server";
    case HintAction::OtherPort:
      return "other_port";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& message, Hint hint)
    : std::runtime_error(message),
      code_(code),
      hint_(std::make_shared<const Hint>(std::move(hint))) {}

Error Error::with_context(std::string_view prefix) const {
  std::string message(prefix);
  message += ": ";
  message += what();
  Error out(code_, message);
  out.hint_ = hint_;
  return out;
}

void fail(ErrorCode code, const std::string& message) { throw Error(code, message); }

void fail(ErrorCode code, const std::string& message, Hint hint) {
  throw Error(code, message, std::move(hint));
}

void fail_errno(int err, std::string_view what, std::string_view path) {
  std::string message(what);
  message += " '";
  message += path;
  message += "': ";
  message += std::strerror(err);
  const bool full = err == ENOSPC || err == EDQUOT;
  if (full) message += "; free some disk space and retry";
  throw Error(full ? ErrorCode::NoSpace : ErrorCode::Io, message);
}

}  // namespace hangar
