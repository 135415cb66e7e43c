// A storage-format-1 repository, read-only (format 1's docs/format/repo-layout.md at d7c92b1):
// its config, the meta environment (objects, refs, staging) and the chunk store, and whole
// samples put back together from their chunks. The entry point of the frozen format-1 reader,
// which `hangar upgrade` converts from; self-contained: it calls none of today's decoders.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "format1/chunks1.h"
#include "format1/meta1.h"
#include "format1/objects1.h"
#include "format1/pages1.h"

namespace hangar::format1 {

// The `key = value` lines of a repository config file (repo-layout.md, "Config file"), format
// 1's rules: '#' comments and blank lines skipped, split at the first '=', trimmed, the last of
// a repeated key wins, at most 1 MiB. Throws: NotFound, Corrupt (a line without '='), Io.
std::map<std::string, std::string> read_config1(const std::filesystem::path& file);

// Not thread-safe; move-only.
class Repo1 {
 public:
  // Opens the repository whose `.hangar` folder (or a renamed copy) is `dot`, touching no file.
  // REQUIRES: no format-1 writer runs meanwhile (hold `dot`/lock, see repo-layout.md).
  // Throws: NotFound, Corrupt, Unsupported (the config says another format or an extension).
  static Repo1 open(const std::filesystem::path& dot);

  const std::filesystem::path& dot() const noexcept { return dot_; }
  const std::map<std::string, std::string>& config() const noexcept { return config_; }
  const Meta1& meta() const noexcept { return meta_; }
  ChunkStore1& chunks() noexcept { return chunks_; }
  const ChunkStore1& chunks() const noexcept { return chunks_; }

  // Adds another format-1 repository's chunk store to read the chunks this one lacks from (a
  // clone's origin on this machine), by digest and verified like local ones.
  void add_chunk_source(ChunkStore1 source);
  // True when chunk `id` is local or in a chunk source. Throws: Corrupt.
  bool has_chunk(const Digest1& id) const;
  // Reads chunk `id` (exactly out.size() bytes), from a chunk source when it is not local.
  // Throws: like ChunkStore1::read.
  void read_chunk(const Digest1& id, MutableByteView out);
  // The sample's bytes (C order, dtype and shape of `d`), every chunk read and verified.
  // Throws: NotLocal, Corrupt, Unsupported.
  Bytes read_sample(const Descriptor1& d);

 private:
  Repo1(std::filesystem::path dot, std::map<std::string, std::string> config, Meta1 meta,
        ChunkStore1 chunks);
  std::filesystem::path dot_;
  std::map<std::string, std::string> config_;
  Meta1 meta_;
  ChunkStore1 chunks_;
  std::vector<ChunkStore1> sources_;
  Bytes block_;
};

}  // namespace hangar::format1
