// drop_mapped_pages (mapped_pages.h).
#include "mapped_pages.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace hangar::remote {

void drop_mapped_pages(const std::filesystem::path& repo_root) noexcept {
  try {
    std::error_code ec;
    const std::string prefix =
        std::filesystem::weakly_canonical(repo_root / ".hangar", ec).string();
    if (ec || prefix.empty()) return;
    std::FILE* maps = std::fopen("/proc/self/maps", "r");
    if (maps == nullptr) return;
    char line[4096];
    while (std::fgets(line, sizeof line, maps) != nullptr) {
      unsigned long long start = 0, end = 0;
      char perms[8] = {};
      int path_at = 0;
      if (std::sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3)
        continue;
      std::string path(line + path_at);
      while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
      // Only read-only shared mappings of our own LMDB data files.
      if (perms[0] != 'r' || perms[1] == 'w' || perms[3] != 's') continue;
      if (path.rfind(prefix, 0) != 0 || path.size() < 8 ||
          path.compare(path.size() - 8, 8, "data.mdb") != 0)
        continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      // LMDB reserves a huge map; only the file's length can hold resident pages.
      const auto length = static_cast<unsigned long long>(st.st_size);
      const unsigned long long len = end - start < length ? end - start : length;
      if (len > 0) ::madvise(reinterpret_cast<void*>(start), len, MADV_DONTNEED);
    }
    std::fclose(maps);
  } catch (...) {
    // best effort
  }
}

}  // namespace hangar::remote
