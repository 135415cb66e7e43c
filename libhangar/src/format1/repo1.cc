// A format-1 repository, read-only (repo1.h).
#include "format1/repo1.h"

#include <hangar/error.h>

#include <fstream>
#include <sstream>

#include "format1/grid1.h"

namespace hangar::format1 {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = 1u << 20;

std::string trimmed(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == s.npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t\r") - b + 1));
}

}  // namespace

std::map<std::string, std::string> read_config1(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) fail(ErrorCode::NotFound, "cannot read '" + file.string() + "': " + ec.message());
  if (size > kMaxConfigBytes)
    fail(ErrorCode::Corrupt, "config '" + file.string() + "' is larger than 1 MiB");
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) fail(ErrorCode::Io, "cannot read '" + file.string() + "'");
  std::map<std::string, std::string> values;
  std::string line;
  for (int n = 1; std::getline(text, line); ++n) {
    const std::string t = trimmed(line);
    if (t.empty() || t.front() == '#') continue;
    const auto eq = t.find('=');
    if (eq == t.npos)
      fail(ErrorCode::Corrupt,
           "corrupt config '" + file.string() + "': line " + std::to_string(n) + " has no '='");
    values[trimmed(std::string_view(t).substr(0, eq))] =
        trimmed(std::string_view(t).substr(eq + 1));
  }
  return values;
}

Repo1::Repo1(std::filesystem::path dot, std::map<std::string, std::string> config, Meta1 meta,
             ChunkStore1 chunks)
    : dot_(std::move(dot)),
      config_(std::move(config)),
      meta_(std::move(meta)),
      chunks_(std::move(chunks)) {}

Repo1 Repo1::open(const std::filesystem::path& dot) {
  auto config = read_config1(dot / "config");
  const auto version = config.find("format_version");
  if (version == config.end() || version->second != "1")
    fail(ErrorCode::Unsupported, "'" + dot.string() + "' is not a repository of storage format 1");
  for (const auto& [key, value] : config) {
    if (!key.starts_with("extensions.")) continue;
    std::string message = "'";  // appended step by step: GCC 12's -Wrestrict misfires on "'" + s
    message.append(dot.string()).append("' uses extension '").append(key, 11);
    fail(ErrorCode::Unsupported, message + "', which format 1 does not define");
  }
  Meta1 meta = Meta1::open(dot / "meta");
  ChunkStore1 chunks = ChunkStore1::open(dot / "chunks");
  return Repo1(dot, std::move(config), std::move(meta), std::move(chunks));
}

void Repo1::add_chunk_source(ChunkStore1 source) { sources_.push_back(std::move(source)); }

bool Repo1::has_chunk(const Digest1& id) const {
  if (chunks_.contains(id)) return true;
  for (const ChunkStore1& s : sources_)
    if (s.contains(id)) return true;
  return false;
}

void Repo1::read_chunk(const Digest1& id, MutableByteView out) {
  if (!chunks_.contains(id))
    for (ChunkStore1& s : sources_)
      if (s.contains(id)) return s.read(id, out);
  chunks_.read(id, out);
}

Bytes Repo1::read_sample(const Descriptor1& d) {
  const Grid1 grid = Grid1::choose(d.dtype, d.shape);
  Bytes out(grid.nbytes());
  if (d.chunks.size() == 1) {  // straight into place
    read_chunk(d.chunks[0], out);
    return out;
  }
  for (std::uint64_t i = 0; i < d.chunks.size(); ++i) {
    block_.resize(grid.block_bytes(i));
    read_chunk(d.chunks[i], block_);
    grid.scatter(i, block_, out);
  }
  return out;
}

}  // namespace hangar::format1
