// maintenance.h: fsck. One read txn over the meta env (a consistent snapshot, so a running
// writer is harmless); each object is checked once however many commits share it.
#include <hangar/base/interrupt.h>
#include <hangar/checkout.h>
#include <hangar/error.h>
#include <hangar/maintenance.h>

#include <algorithm>
#include <deque>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "tree/record_page.h"
#include "tree/record_tree.h"

namespace hangar {
namespace {

// The short kind tag of FsckProblem::kind.
std::string kind_tag(ObjectType kind) {
  switch (kind) {
    case ObjectType::Commit:
      return "commit";
    case ObjectType::Schema:
      return "schema";
    case ObjectType::Descriptor:
      return "descriptor";
    case ObjectType::LeafPage:
    case ObjectType::InternalPage:
      return "page";
  }
  return "object";
}

class Checker {
 public:
  Checker(const detail::RepoState& st, const lmdb::Txn& txn, FsckReport& report)
      : st_(st), txn_(txn), report_(report), pages_(st.objects, txn) {}

  void problem(std::string kind, const Digest& d, std::string message) {
    report_.problems.push_back({std::move(kind), d, std::move(message)});
  }

  // The object's bytes, re-hashed; nullopt (with a problem recorded) when missing or bad.
  std::optional<ByteView> fetch(ObjectType kind, const Digest& id, const std::string& from) {
    const std::string tag = kind_tag(kind);
    const std::string name(object_type_name(kind));
    ++report_.objects;
    meta_budget_.step(st_.meta);
    try {
      const std::optional<ByteView> b = st_.objects.find(txn_, kind, id);
      if (!b) {
        problem(tag, id, name + " " + id.hex() + " is missing (referenced from " + from + ")");
        return std::nullopt;
      }
      const Digest got = digest_of(*b);
      if (got != id) {
        problem(tag, id,
                name + " " + id.hex() + " is corrupt: digest mismatch, got " + got.hex() +
                    " (referenced from " + from + ")");
        return std::nullopt;
      }
      return b;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io || e.code() == ErrorCode::NoSpace) throw;
      problem(tag, id, std::string(e.what()) + " (referenced from " + from + ")");
      return std::nullopt;
    }
  }

  void commit_tip(const Digest& id, const std::string& from) {
    if (seen_commits_.insert(id).second) queue_.emplace_back(id, from);
  }

  void walk_commits() {
    while (!queue_.empty()) {
      check_interrupt();
      auto [id, from] = std::move(queue_.front());
      queue_.pop_front();
      check_commit(id, from);
    }
  }

  void check_schema(const Digest& id, const std::string& from) {
    if (!seen_schemas_.insert(id).second) return;
    const auto b = fetch(ObjectType::Schema, id, from);
    if (!b) return;
    try {
      (void)decode_schema(*b);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io) throw;
      problem("schema", id, std::string(e.what()) + " (referenced from " + from + ")");
    }
  }

  // A record's sample: an inline one names its chunk (no object to check); any other its
  // descriptor object. `page` is the leaf holding the record (all-zero for a staged one).
  void check_sample(const SampleId& s, const Digest& page, const std::string& from) {
    if (!s.is_inline()) {
      check_descriptor(s.digest(), from);
      return;
    }
    // Inline samples are counted by chunk (a reshaped copy of a sample shares its chunk), in
    // check_chunk_refs().
    if (s.has_chunk()) add_chunk_ref(s.digest(), page, page.is_zero() ? kStagingRef : kPageRef);
  }

  // Records that `object` (of `kind`) names `chunk`. A leaf page's records come one after the
  // other, so a referrer is added once per page.
  void add_chunk_ref(const Digest& chunk, const Digest& object, std::string_view kind) {
    if (referrers_.empty() || referrers_.back().id != object || referrers_.back().kind != kind)
      referrers_.push_back({object, kind});
    chunk_refs_.push_back({chunk, static_cast<std::uint32_t>(referrers_.size() - 1)});
    // A long history names most chunks from many pages: keep the list within about twice the
    // distinct chunks.
    if (chunk_refs_.size() >= 2 * distinct_refs_ + kRefsBeforeDedup) dedup_chunk_refs();
  }

  // Sorts chunk_refs_ by chunk, then in the order they were named, and keeps the first
  // reference of each chunk.
  void dedup_chunk_refs() {
    std::sort(chunk_refs_.begin(), chunk_refs_.end(), [](const ChunkRef& a, const ChunkRef& b) {
      return std::tie(a.chunk, a.from) < std::tie(b.chunk, b.from);
    });
    chunk_refs_.erase(
        std::unique(chunk_refs_.begin(), chunk_refs_.end(),
                    [](const ChunkRef& a, const ChunkRef& b) { return a.chunk == b.chunk; }),
        chunk_refs_.end());
    distinct_refs_ = chunk_refs_.size();
  }

  void check_descriptor(const Digest& id, const std::string& from) {
    if (!seen_descriptors_.insert(id).second) return;
    ++report_.samples;
    st_.descriptor_loads.fetch_add(1, std::memory_order_relaxed);
    const auto b = fetch(ObjectType::Descriptor, id, from);
    if (!b) return;
    try {
      const Descriptor d = decode_descriptor(*b);
      for (const Digest& c : d.chunks) add_chunk_ref(c, id, kDescriptorRef);
      if (fits_inline(d))  // writers hold such a sample inline: records of it would not compare
        problem("descriptor", id,
                "sample descriptor " + id.hex() + " holds a sample of at most one chunk, which " +
                    "records hold inline, not by a descriptor (referenced from " + from + ")");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io) throw;
      problem("descriptor", id, std::string(e.what()) + " (referenced from " + from + ")");
    }
  }

  // Counts the distinct chunks of inline samples, and checks that every referenced chunk is
  // indexed, unless data may live on a remote: a clone, or a repository with a remote
  // (drop-data drops only what a remote holds). The references are sorted by chunk and looked
  // up in batches in index order (ChunkReader::find_many), so that this keeps a bounded part of
  // the index resident.
  void check_chunk_refs() {
    dedup_chunk_refs();
    for (const ChunkRef& r : chunk_refs_)
      if (referrers_[r.from].kind != kDescriptorRef) ++report_.samples;
    const bool clone = st_.may_lack_chunks();
    storage::ChunkReader reader = st_.chunks.reader();
    std::vector<Digest> batch;
    for (std::size_t begin = 0; begin < chunk_refs_.size(); begin += Checkout::kLookupBatch) {
      const std::size_t end = std::min(chunk_refs_.size(), begin + Checkout::kLookupBatch);
      batch.clear();
      for (std::size_t i = begin; i < end; ++i) batch.push_back(chunk_refs_[i].chunk);
      const auto found = reader.find_many(batch);
      for (std::size_t i = 0; i < found.size(); ++i) {
        if (found[i]) continue;
        if (clone) {
          ++report_.not_local;
          continue;
        }
        const Referrer& ref = referrers_[chunk_refs_[begin + i].from];
        std::string m =
            "chunk " + batch[i].hex() + " is missing from the location index (referenced from ";
        m += ref.kind;
        if (!ref.id.is_zero()) {
          m += ' ';
          m += ref.id.hex();
        }
        m += ")";
        problem("chunk", batch[i], std::move(m));
      }
    }
  }

  void check_staging() {
    try {
      for (const auto& [name, col] : st_.staging.columns(txn_)) {
        if (col.kind != StagedColumn::Kind::Deleted)
          check_schema(col.schema, "staged column '" + name + "'");
      }
      for (const std::string& column : st_.staging.sample_columns(txn_)) {
        st_.staging.for_each_sample(txn_, column, [&](ByteView, const StagedSample& s) {
          if (s) check_sample(s->sample, Digest{}, "a staged sample of column '" + column + "'");
          return true;
        });
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io || e.code() == ErrorCode::NoSpace) throw;
      problem("staging", Digest{}, std::string("staging area: ") + e.what());
    }
  }

 private:
  void check_commit(const Digest& id, const std::string& from) {
    ++report_.commits;
    const auto b = fetch(ObjectType::Commit, id, from);
    if (!b) return;
    Commit c;
    try {
      c = decode_commit(*b);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io) throw;
      problem("commit", id, std::string(e.what()) + " (referenced from " + from + ")");
      return;
    }
    const std::string here = "commit " + id.short_hex();
    for (const Digest& p : c.parents) commit_tip(p, here);
    for (const CommitColumn& col : c.columns) {
      const std::string where = here + " column '" + col.name + "'";
      check_schema(col.schema, where);
      if (!col.records.is_zero()) check_tree(col.records, where);
    }
  }

  void check_tree(const Digest& root, const std::string& from) {
    if (!seen_roots_.insert(root).second) return;
    std::vector<Digest> pages;
    try {
      pages = tree_pages(pages_, root);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io) throw;
      problem("page", root,
              "record tree " + root.hex() + " cannot be walked: " + e.what() +
                  " (referenced from " + from + ")");
      return;
    }
    for (const Digest& p : pages) {
      check_interrupt();
      if (!seen_pages_.insert(p).second) continue;
      ++report_.pages;
      const auto b = fetch(ObjectType::LeafPage, p, "record tree " + root.short_hex());
      if (!b) continue;
      try {
        PageDecoder page(p, *b);  // validates every entry, inline values included
        if (!page.is_leaf()) {
          while (page.next()) {
          }
          continue;
        }
        const std::string here = "page " + p.short_hex() + " of " + from;
        while (page.next()) check_sample(page.value().sample, p, here);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::Io) throw;
        problem("page", p, std::string(e.what()) + " (referenced from " + from + ")");
      }
    }
  }

  const detail::RepoState& st_;
  const lmdb::Txn& txn_;
  FsckReport& report_;
  TxnPageStore pages_;
  std::deque<std::pair<Digest, std::string>> queue_;
  std::unordered_set<Digest> seen_commits_, seen_schemas_, seen_roots_, seen_pages_,
      seen_descriptors_;
  // What the walk keeps mapped of the meta env (its objects are keyed by digest: a walk of a
  // large history would map all of it).
  lmdb::ResidentBudget meta_budget_{TxnPageStore::kReleaseBytes, TxnPageStore::kPagesPerCheck};
  static constexpr std::string_view kDescriptorRef = "descriptor", kPageRef = "page",
                                    kStagingRef = "staging";
  struct Referrer {
    Digest id;              // the descriptor or leaf page naming chunks (zero: staging)
    std::string_view kind;  // kDescriptorRef, kPageRef or kStagingRef
  };
  struct ChunkRef {
    Digest chunk;
    std::uint32_t from;  // index into referrers_
  };
  // The references to chunks, as the walk meets them (36 bytes each: 10^6 samples take 36 MB,
  // a hash map of them took ~130), deduplicated now and then (dedup_chunk_refs).
  static constexpr std::size_t kRefsBeforeDedup = std::size_t{1} << 20;
  std::vector<Referrer> referrers_;
  std::vector<ChunkRef> chunk_refs_;
  std::size_t distinct_refs_ = 0;  // chunk_refs_.size() after the last dedup_chunk_refs()
};

}  // namespace

FsckReport fsck(const Repository& repo, bool rehash,
                const std::function<void(std::uint64_t, std::uint64_t)>& progress) try {
  const detail::RepoState& st = detail::state_of(repo);
  FsckReport report;
  {
    const lmdb::ReadTxn txn = st.meta.begin_read();
    Checker check(st, txn, report);
    for (const char* prefix : {"refs/heads/", "refs/tags/", "refs/remotes/"}) {
      for (const auto& [ref, id] : st.refs.list(txn, prefix)) check.commit_tip(id, ref);
    }
    try {
      if (const std::optional<Digest> head = st.head(txn)) check.commit_tip(*head, "HEAD");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io) throw;
      check.problem("ref", Digest{}, std::string("HEAD: ") + e.what());
    }
    check.walk_commits();
    check.check_staging();
    check.check_chunk_refs();
  }
  report.chunks = st.chunks.stats().chunks;
  for (auto& [digest, reason] : st.chunks.verify_all(rehash, progress)) {
    report.problems.push_back(
        {"chunk", digest, "chunk " + digest.hex() + " is damaged: " + std::move(reason)});
  }
  return report;
} catch (...) {
  rethrow_interrupted("the check stopped before its end (fsck changes nothing)");
}

}  // namespace hangar
