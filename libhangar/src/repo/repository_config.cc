// Repository: the config keys a user sets (hangar config) and the lazy-read fetcher.
#include <hangar/error.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <array>

#include "repo/repo_state.h"

namespace hangar {
namespace {

constexpr std::array<std::string_view, 4> kUserKeys = {"fetch.lazy", "user.email", "user.name",
                                                       "user.useConfigOnly"};

std::string known_keys() {
  std::string out;
  for (auto k : kUserKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

void validate_setting(std::string_view key, const std::optional<std::string>& value) {
  if (key.rfind("remote.", 0) == 0 || key == "clone.remote")
    fail(ErrorCode::InvalidArgument, "config key '" + std::string(key) + "' cannot be set directly",
         Hint{.action = HintAction::ManagedByRemote, .name = std::string(key)});
  if (std::find(kUserKeys.begin(), kUserKeys.end(), key) == kUserKeys.end())
    fail(ErrorCode::InvalidArgument,
         "unknown config key '" + std::string(key) + "'; the keys you can set: " + known_keys());
  if (!value) return;
  if (value->find_first_of("\n\r") != std::string::npos)
    fail(ErrorCode::InvalidArgument,
         "config value for '" + std::string(key) + "' contains a line break; give it on one line");
  if (key == "fetch.lazy" && *value != "true" && *value != "false")
    fail(ErrorCode::InvalidArgument,
         "config fetch.lazy must be 'true' or 'false', got '" + *value + "'");
  if (key == "user.useConfigOnly" && *value != "true" && *value != "false")
    fail(ErrorCode::InvalidArgument,
         "config user.useConfigOnly must be 'true' or 'false', got '" + *value + "'");
  if (key.rfind("user.", 0) == 0 && value->empty())
    fail(ErrorCode::InvalidArgument,
         "config " + std::string(key) + " cannot be empty; use --unset to remove it");
}

}  // namespace

std::optional<std::string> Repository::config_value(std::string_view key) const {
  auto it = state_->config.values.find(std::string(key));
  if (it == state_->config.values.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> Repository::config_values() const {
  return state_->config.values;
}

void Repository::set_config(std::string_view key, const std::optional<std::string>& value) {
  state_->require_write();
  validate_setting(key, value);
  RepoConfig next = state_->config;
  if (value)
    next.values[std::string(key)] = *value;
  else
    next.values.erase(std::string(key));
  next.save(state_->dot / "config");
  state_->config = std::move(next);
}

bool Repository::lazy_fetch() const { return state_->config.get("fetch.lazy") == "true"; }

void Repository::set_chunk_fetcher(std::shared_ptr<ChunkFetcher> fetcher) {
  std::lock_guard lock(state_->fetch_mutex);
  state_->fetcher = std::move(fetcher);
}

namespace detail {

bool RepoState::fetch_chunks(std::span<const Digest> missing) const {
  std::shared_ptr<ChunkFetcher> f;
  {
    std::lock_guard guard(fetch_mutex);
    f = fetcher;
  }
  if (!f) return false;
  // A read-only chunk store cannot keep what a fetch brings, so nothing is asked for. A reader
  // not set to fetch lazily opens it so: it acts as without a fetcher (the read's NotLocal then
  // names fetch-data and fetch.lazy). A lazy reader of a folder it cannot write to is told why.
  if (chunks.is_read_only()) {
    if (config.get("fetch.lazy") != "true") return false;
    if (missing.empty()) return true;
    fail(ErrorCode::NotLocal,
         "cannot store chunks fetched from " + f->source() + ": the chunk store of '" +
             root.string() + "' is read-only here; its owner can fetch them",
         Hint{.action = HintAction::FetchData});
  }
  if (missing.empty()) return true;
  const StoreChunks store = [&](std::span<const storage::EncodedChunk> batch, bool verified) {
    if (!verified) {
      Bytes scratch;
      for (const auto& c : batch)
        transfer::verify_chunk(c.digest, c.codec, c.raw_size, c.stored, scratch);
    }
    std::lock_guard guard(fetch_mutex);
    // A read that stores what it fetched: the one write a const view makes. Chunks::write is
    // for one writer thread, hence the lock (a Write-mode repository's own writes run on the
    // thread that reads, never during a read).
    const_cast<storage::Chunks&>(chunks).write(batch);
  };
  f->fetch(missing, store);
  return true;
}

}  // namespace detail
}  // namespace hangar
