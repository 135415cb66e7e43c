// The crash-safe end of `hangar upgrade` (docs/decisions/0015-upgrading-format-1.md): the new
// repository is built in <root>/.hangar.upgrade; once verified it gets a marker file, and only
// then are the folders swapped: .hangar -> .hangar.format1, .hangar.upgrade -> .hangar; the old
// one is then deleted (renamed to .hangar.format1.deleting first) unless it is to be kept, and
// the marker removed. Every step is idempotent, so whoever comes next (Repository::open, the
// next `hangar upgrade`) finishes an interrupted swap from the folders alone.
#pragma once

#include <cstdint>
#include <filesystem>

namespace hangar {

// The folder names next to .hangar.
inline constexpr const char* kUpgradeDir = ".hangar.upgrade";
inline constexpr const char* kFormat1Dir = ".hangar.format1";
inline constexpr const char* kDeletingDir = ".hangar.format1.deleting";
// In the new repository's folder from its verification until the swap and cleanup are done.
inline constexpr const char* kVerifiedMarker = "upgrade-verified";

// True when `root` holds the state between the two renames: no .hangar, the old folder moved
// aside and a verified new one waiting. Never throws.
bool upgrade_swap_pending(const std::filesystem::path& root) noexcept;

// Finishes what an interrupted upgrade of `root` left after its verification: the second
// rename, the removal of the format-1 folder (unless the upgrade was told to keep it) and of
// the marker. Does nothing (returns false) in every other state, e.g. a format-1 repository
// with a half-built .hangar.upgrade (the next `hangar upgrade` starts that one over).
// Throws: Io naming what could not be renamed or removed and with a FinishUpgrade hint.
bool finish_interrupted_upgrade(const std::filesystem::path& root);

// Writes the marker into the verified new folder `upgrade_dir` (atomically, with `keep_old`
// recorded for whoever finishes the swap) after fsyncing every file and folder below it.
// Throws: Io, NoSpace.
void mark_verified(const std::filesystem::path& upgrade_dir, bool keep_old);

// rename(from, to), then fsync of their parent folder. Throws: Io naming both.
void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);

// Bytes the files below `dir` take on disk (st_blocks, like du); 0 when it does not exist.
std::uint64_t disk_usage(const std::filesystem::path& dir) noexcept;

}  // namespace hangar
