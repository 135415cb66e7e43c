// Keeps a long transfer's resident set at one batch: LMDB serves reads from a read-only shared
// memory map, so every chunk a pack sends stays resident in this process (counted in its RSS)
// although the page cache holds it anyway. Private to the remote module; Linux only.
#pragma once

#include <filesystem>

namespace hangar::remote {

// Drops this process's page-table view of the memory-mapped LMDB files ("data.mdb") under
// `repo_root`/.hangar (madvise MADV_DONTNEED on their read-only shared mappings). The data
// stays in the page cache and is faulted back in on the next access, so readers on other
// threads see no difference. Best effort: failures are ignored.
void drop_mapped_pages(const std::filesystem::path& repo_root) noexcept;

}  // namespace hangar::remote
