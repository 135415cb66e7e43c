// The swap at the end of an upgrade, and finishing an interrupted one (upgrade_swap.h).
#include "upgrade/upgrade_swap.h"

#include <fcntl.h>
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>

namespace hangar {
namespace fs = std::filesystem;
namespace {

bool present(const fs::path& p) noexcept {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

// fsync of one file or folder. Throws: Io.
void fsync_path(const fs::path& p, bool directory) {
  storage::ScopedFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
  if (!fd.valid() || ::fsync(fd.get()) != 0) fail_errno(errno, "cannot sync", p.string());
}

// Every file and folder below `dir`, and `dir` itself, made durable.
void fsync_tree(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_symlink()) continue;
    if (e.is_directory()) {
      fsync_path(e.path(), true);
    } else if (e.is_regular_file()) {
      fsync_path(e.path(), false);
    }
  }
  fsync_path(dir, true);
}

// rename() that accepts finding the work done by another process: `from` gone and `to` there.
void rename_once(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return;
  const int err = errno;
  if (err == ENOENT && !present(from) && present(to)) return;
  fail(ErrorCode::Io,
       "cannot rename '" + from.string() + "' to '" + to.string() +
           "': " + std::generic_category().message(err),
       Hint{.action = HintAction::FinishUpgrade, .path = from.parent_path().string()});
}

bool keeps_old(const fs::path& marker) {
  const Bytes text = storage::read_file(marker, 4096);
  return as_string_view(text).find("keep_old = true") != std::string_view::npos;
}

}  // namespace

void durable_rename(const fs::path& from, const fs::path& to) {
  rename_once(from, to);
  fsync_path(to.parent_path(), true);
}

bool upgrade_swap_pending(const fs::path& root) noexcept {
  return !present(root / ".hangar") && present(root / kUpgradeDir / kVerifiedMarker) &&
         present(root / kFormat1Dir);
}

bool finish_interrupted_upgrade(const fs::path& root) {
  const fs::path dot = root / ".hangar";
  bool did = false;
  if (upgrade_swap_pending(root)) {
    durable_rename(root / kUpgradeDir, dot);
    failpoint("upgrade-swapped");
    did = true;
  }
  if (present(dot / kVerifiedMarker)) {
    if (!keeps_old(dot / kVerifiedMarker) && present(root / kFormat1Dir)) {
      durable_rename(root / kFormat1Dir, root / kDeletingDir);
      failpoint("upgrade-deleting");
    }
    std::error_code ec;
    fs::remove(dot / kVerifiedMarker, ec);
    fsync_path(dot, true);
    did = true;
  }
  if (present(root / kDeletingDir)) {
    std::error_code ec;
    fs::remove_all(root / kDeletingDir, ec);
    if (ec && present(root / kDeletingDir))
      fail(ErrorCode::Io, "cannot remove '" + (root / kDeletingDir).string() +
                              "', the format-1 data of an upgrade: " + ec.message() +
                              "; remove it by hand");
    did = true;
  }
  return did;
}

void mark_verified(const fs::path& upgrade_dir, bool keep_old) {
  fsync_tree(upgrade_dir);
  const std::string text = std::string("# hangar upgrade from storage format 1: verified\n") +
                           "keep_old = " + (keep_old ? "true" : "false") + "\n";
  storage::write_file_atomic(upgrade_dir / kVerifiedMarker, as_bytes(text));
  fsync_path(upgrade_dir.parent_path(), true);
}

std::uint64_t disk_usage(const fs::path& dir) noexcept {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
      total += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

}  // namespace hangar
