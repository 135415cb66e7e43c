// Partial-data selection (selection.h): computed on the client from the history it holds.
//
// The scope is every sample of the selected columns at the selected commits, each an *entry*
// (a column position with its raw size and chunks; one entry per position and content, so a
// sample unchanged over several commits is one entry). The budget is charged per unit: the
// wire bytes of the chunks the unit adds, and the raw bytes of every entry those chunks make
// whole, the unit's own and any other entry that shares them (equal labels share one chunk),
// because `summary` will count those as local.
#include <hangar/base/checksum.h>
#include <hangar/error.h>
#include <hangar/labels.h>
#include <hangar/remote/selection.h>
#include <hangar/remote/transport.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "pack.h"

namespace hangar::remote {

void validate(const DataSelection& s) {
  if (s.fraction && !(*s.fraction > 0.0 && *s.fraction <= 1.0))
    fail(ErrorCode::InvalidArgument,
         "--fraction must be greater than 0 and at most 1, got " + std::to_string(*s.fraction));
  if (s.max_percent && !(*s.max_percent > 0.0 && *s.max_percent <= 100.0))
    fail(ErrorCode::InvalidArgument,
         "--max-bytes as a percentage must be greater than 0% and "
         "at most 100%, got " +
             std::to_string(*s.max_percent) + "%");
  if (s.max_percent && s.max_bytes)
    fail(ErrorCode::InvalidArgument, "give --max-bytes as bytes or as a percentage, not both");
  if (s.none && (!s.columns.empty() || !s.keys.empty() || s.fraction || s.max_bytes ||
                 s.max_percent || s.stratify || s.all_history))
    fail(ErrorCode::InvalidArgument, "--no-data cannot be combined with other data selectors");
  if (s.stratify && !s.fraction && !s.max_bytes && !s.max_percent)
    fail(ErrorCode::InvalidArgument,
         "--stratify needs --fraction or --max-bytes (the share every class takes)");
  if (s.stratify && s.all_history)
    fail(ErrorCode::InvalidArgument,
         "--stratify cannot be combined with --all-history; stratify one commit at a time");
}

static_assert(kChunkRecordOverhead == kRecordHeaderSize, "selection.h counts pack record heads");

namespace {

// A seeded rank of `key`: a pure function of (seed, key), uniform over 64 bits. XXH3: a
// sample needs no cryptographic hash (checksum.h).
std::uint64_t key_rank(std::uint64_t seed, const Key& key) {
  Bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>((seed >> (8 * i)) & 0xFF));
  key.append_encoded(b);
  return xxh3_128(b).high;
}

std::uint64_t sat_sub(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }
std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

}  // namespace

bool fraction_keeps(double fraction, std::uint64_t seed, const Key& key) {
  if (fraction >= 1.0) return true;
  // rank / 2^64 < fraction
  return static_cast<double>(key_rank(seed, key)) < fraction * 18446744073709551616.0;
}

std::uint64_t pack_overhead(std::uint64_t chunks) {
  const std::uint64_t requests =
      std::max<std::uint64_t>(1, (chunks + kMaxDigestsPerRequest - 1) / kMaxDigestsPerRequest);
  return requests * kPackOverhead;
}

namespace {

struct Entry {
  std::uint64_t nbytes = 0;
  const std::vector<Digest>* chunks = nullptr;  // distinct chunks of the sample
  std::size_t missing = 0;                      // of those, not taken yet
  bool taken = false;                           // its unit was taken
};

struct Unit {
  Key key;
  std::vector<std::size_t> entries;
  bool in_keys = true;    // passes the keys filter (the base of a percentage budget)
  bool candidate = true;  // passes the keys and (unstratified) fraction filters
};

// What taking a unit would add.
struct Cost {
  std::uint64_t wire = 0;
  std::uint64_t stored = 0;
  std::vector<Digest> fresh;                              // chunks not taken yet
  std::vector<std::pair<std::size_t, std::size_t>> hits;  // entry, fresh chunks it holds
};

class Selector {
 public:
  Selector(const Repository& repo, const DataSelection& s)
      : sel_(s), history_(repo), keys_(s.keys.begin(), s.keys.end()) {}

  // Adds the scope at `view`; returns the columns it found.
  void add_commit(const Checkout& view, std::set<std::string>& found) {
    std::map<Key, Unit> units;
    for (const std::string& name : view.column_names()) {
      const auto& wanted = sel_.columns;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end())
        continue;
      found.insert(name);
      view.for_each(name, [&](const SampleRef& ref) {
        auto it = units.try_emplace(ref.key, Unit{ref.key, {}, true, true}).first;
        it->second.entries.push_back(entry_of(name, ref));
        return true;
      });
    }
    std::vector<Unit> ordered;
    for (auto& [k, u] : units) {
      u.in_keys = keys_.empty() || keys_.count(k);
      if (!keys_.empty() && u.in_keys) matched_.insert(k);
      u.candidate = u.in_keys && (sel_.stratify || !sel_.fraction ||
                                  fraction_keeps(*sel_.fraction, sel_.seed, k));
      ordered.push_back(std::move(u));
    }
    commits_.push_back(std::move(ordered));
  }

  // The keys of the keys filter that no selected column has at any commit added.
  std::vector<Key> unmatched_keys() const {
    std::vector<Key> out;
    for (const Key& k : keys_)
      if (!matched_.count(k)) out.push_back(k);
    return out;
  }

  // The candidate units in taking order, as pools with their share of the budget (one pool
  // without stratify). Weights are the pools' unit counts.
  struct Pool {
    std::vector<const Unit*> units;
  };

  std::vector<Pool> pools(const Checkout* view) {
    std::vector<Pool> out;
    if (!sel_.stratify) {
      out.emplace_back();
      for (const auto& c : commits_)
        for (const auto& u : c)
          if (u.candidate) out.back().units.push_back(&u);
      return out;
    }
    const ColumnSchema& schema = view->schema(*sel_.stratify);
    check_label_column(schema);
    std::map<Key, LabelClass> labels;
    view->for_each(*sel_.stratify, [&](const SampleRef& ref) {
      auto l = read_label(*view, schema, ref);
      if (!l)
        fail(ErrorCode::NotLocal,
             "the label of key '" + ref.key.to_string() + "' in column '" + *sel_.stratify +
                 "' is not local",
             Hint{.action = HintAction::FetchData, .column = *sel_.stratify});
      labels.emplace(ref.key, *l);
      return true;
    });
    std::map<LabelClass, std::vector<std::pair<std::uint64_t, const Unit*>>> classes;
    for (const auto& u : commits_.front()) {
      auto it = labels.find(u.key);
      if (!u.candidate || it == labels.end()) continue;  // keys without a label are not taken
      classes[it->second].emplace_back(key_rank(sel_.seed, u.key), &u);
    }
    for (auto& [label, members] : classes) {
      std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second->key < b.second->key;
      });
      std::size_t n = members.size();
      if (sel_.fraction)
        n = std::min(
            n, static_cast<std::size_t>(std::llround(*sel_.fraction * static_cast<double>(n))));
      Pool p;
      for (std::size_t i = 0; i < n; ++i) p.units.push_back(members[i].second);
      out.push_back(std::move(p));
    }
    return out;
  }

  // max_bytes, or max_percent of the raw bytes of the units the keys filter keeps.
  std::optional<std::uint64_t> budget() const {
    if (sel_.max_bytes) return sel_.max_bytes;
    if (!sel_.max_percent) return std::nullopt;
    std::unordered_set<std::size_t> seen;
    std::uint64_t raw = 0;
    for (const auto& c : commits_)
      for (const auto& u : c)
        if (u.in_keys)
          for (std::size_t e : u.entries)
            if (seen.insert(e).second) raw += entries_[e].nbytes;
    return static_cast<std::uint64_t>(std::floor(
        static_cast<long double>(raw) * static_cast<long double>(*sel_.max_percent) / 100.0L));
  }

  SelectionResult run(const std::vector<Pool>& pools, std::uint64_t already) {
    std::uint64_t chunks_total = 0, units_total = 0;
    {
      std::unordered_set<Digest> chunks;
      for (const auto& p : pools)
        for (const Unit* u : p.units) {
          ++units_total;
          for (std::size_t e : u->entries)
            chunks.insert(entries_[e].chunks->begin(), entries_[e].chunks->end());
        }
      chunks_total = chunks.size();
    }
    out_.budget = budget();
    const bool budgeted = out_.budget.has_value();
    std::uint64_t avail = std::numeric_limits<std::uint64_t>::max();
    if (budgeted) avail = sat_sub(*out_.budget, sat_add(already, pack_overhead(chunks_total)));
    std::uint64_t used_wire = 0, used_stored = 0;
    for (const Pool& p : pools) {
      std::uint64_t share = avail;
      if (budgeted && pools.size() > 1 && units_total > 0)
        share = static_cast<std::uint64_t>(
            std::floor(static_cast<long double>(avail) * static_cast<long double>(p.units.size()) /
                       static_cast<long double>(units_total)));
      std::uint64_t wire = 0, stored = 0;
      for (const Unit* u : p.units) {
        if (std::all_of(u->entries.begin(), u->entries.end(),
                        [&](std::size_t e) { return entries_[e].taken; }))
          continue;  // the same samples at a newer commit
        Cost c = cost_of(*u);
        if (budgeted && (c.wire > share - wire || c.stored > share - stored ||
                         c.wire > avail - used_wire || c.stored > avail - used_stored))
          break;
        wire += c.wire;
        stored += c.stored;
        used_wire += c.wire;
        used_stored += c.stored;
        take(*u, c);
      }
    }
    // No chunk, no request.
    out_.wire_bound = out_.chunks.empty() ? 0 : used_wire + pack_overhead(out_.chunks.size());
    out_.stored_bound = used_stored;
    for (const auto& c : commits_)
      for (const Unit& u : c) count_left(u);
    return std::move(out_);
  }

 private:
  std::size_t entry_of(const std::string& column, const SampleRef& ref) {
    Bytes id(column.size());
    std::memcpy(id.data(), column.data(), column.size());
    id.push_back(std::byte{0});
    ref.key.append_encoded(id);
    if (ref.subkey) ref.subkey->append_encoded(id);
    const Bytes sample = ref.sample.encoded();
    id.insert(id.end(), sample.begin(), sample.end());
    auto [it, fresh] = entry_ids_.try_emplace(
        std::string(reinterpret_cast<const char*>(id.data()), id.size()), entries_.size());
    if (!fresh) return it->second;
    auto [cit, new_sample] = sample_chunks_.try_emplace(ref.sample);
    if (new_sample) {
      std::unordered_set<Digest> distinct;
      for (const auto& c : history_.sample_chunks(ref.sample))
        if (distinct.insert(c).second) cit->second.push_back(c);
    }
    Entry e;
    e.nbytes = ref.nbytes;
    e.chunks = &cit->second;
    e.missing = cit->second.size();
    for (const auto& c : cit->second) users_[c].push_back(entries_.size());
    entries_.push_back(e);
    return it->second;
  }

  Cost cost_of(const Unit& u) {
    Cost c;
    std::unordered_set<Digest> fresh;
    for (std::size_t e : u.entries) {
      bool adds = false;
      for (const auto& d : *entries_[e].chunks)
        if (!have_.count(d)) {
          adds = true;
          if (fresh.insert(d).second) c.fresh.push_back(d);
        }
      // A chunk's stored (and sent) bytes are at most its raw bytes, and the distinct chunks
      // of a sample are at most its raw bytes together.
      if (adds) c.wire += entries_[e].nbytes;
    }
    c.wire += kChunkRecordOverhead * c.fresh.size();
    std::unordered_map<std::size_t, std::size_t> hits;
    for (const auto& d : c.fresh)
      for (std::size_t e : users_[d]) ++hits[e];
    for (const auto& [e, n] : hits) {
      c.hits.emplace_back(e, n);
      if (entries_[e].missing == n) c.stored += entries_[e].nbytes;
    }
    return c;
  }

  void take(const Unit& u, const Cost& c) {
    for (const auto& d : c.fresh) {
      have_.insert(d);
      out_.chunks.push_back(d);
    }
    for (const auto& [e, n] : c.hits) entries_[e].missing -= n;
    ++out_.units;
    for (std::size_t e : u.entries)
      if (!entries_[e].taken) {
        entries_[e].taken = true;
        ++out_.samples;
        out_.nbytes += entries_[e].nbytes;
      }
  }

  void count_left(const Unit& u) {
    bool left = false;
    for (std::size_t e : u.entries)
      if (!entries_[e].taken && left_.insert(e).second) {
        left = true;
        ++out_.samples_left;
        out_.nbytes_left += entries_[e].nbytes;
      }
    if (left) ++out_.units_left;
  }

  const DataSelection& sel_;
  transfer::HistoryReader history_;
  std::set<Key> keys_;
  std::set<Key> matched_;                   // of keys_, those some selected column has
  std::vector<std::vector<Unit>> commits_;  // candidate units per commit, newest first
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> entry_ids_;
  std::unordered_map<SampleId, std::vector<Digest>> sample_chunks_;
  std::unordered_map<Digest, std::vector<std::size_t>> users_;  // chunk -> entries holding it
  std::unordered_set<Digest> have_;
  std::unordered_set<std::size_t> left_;
  SelectionResult out_;
};

}  // namespace

namespace {

// A column of `selection.columns` that no commit of the scope has is an error.
void require_columns_found(const DataSelection& selection, const std::set<std::string>& found,
                           const Digest& commit) {
  for (const auto& name : selection.columns)
    if (!found.count(name))
      fail(ErrorCode::NotFound, "no column '" + name + "' at commit " + commit.short_hex(),
           Hint{.action = HintAction::ColumnList});
}

// The scope of `selection` at `commit` (and its ancestors with all_history).
void add_scope(Selector& s, const Repository& repo, const Digest& commit,
               const DataSelection& selection) {
  std::vector<Digest> commits{commit};
  if (selection.all_history) {
    commits.clear();
    for (const auto& e : repo.log(commit, std::numeric_limits<std::size_t>::max()))
      commits.push_back(e.digest);  // newest first: a budget favours recent data
  }
  std::set<std::string> found;
  for (const Digest& c : commits) s.add_commit(repo.checkout_at(c), found);
  require_columns_found(selection, found, commit);
  if (const auto unmatched = s.unmatched_keys(); !unmatched.empty())
    fail_unmatched_keys(
        unmatched, std::string(selection.columns.empty() ? "any column" : "the selected columns") +
                       (selection.all_history ? " at any commit up to " : " at commit ") +
                       commit.short_hex());
}

// Everything of the selected columns at one commit: no keys filter, fraction, stratify or
// budget, and not all_history (a plain clone or fetch-data).
bool takes_everything(const DataSelection& s) {
  return s.keys.empty() && !s.fraction && !s.stratify && !s.max_bytes && !s.max_percent &&
         !s.all_history;
}

// What the Selector takes when takes_everything(): every unit in key order, with the same
// chunks in the same order and the same bounds, without its per-entry bookkeeping (the maps
// a budget and a fraction need cost a plain clone a fifth of its selection time in page faults).
SelectionResult select_everything(const Repository& repo, const Digest& commit,
                                  const DataSelection& selection) {
  struct Item {
    Key key;
    std::uint64_t nbytes;
    SampleId sample;
  };
  const Checkout view = repo.checkout_at(commit);
  std::vector<Item> items;
  std::set<std::string> found;
  for (const std::string& name : view.column_names()) {
    const auto& wanted = selection.columns;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    found.insert(name);
    view.for_each(name, [&](const SampleRef& ref) {
      items.push_back({ref.key, ref.nbytes, ref.sample});
      return true;
    });
  }
  require_columns_found(selection, found, commit);
  // A unit is a key: its samples in column order, then subkey order (as the Selector has them).
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.key < b.key; });

  transfer::HistoryReader history(repo);
  std::unordered_map<SampleId, std::vector<Digest>> chunks_of;  // distinct, per sample
  std::unordered_set<Digest> have;
  SelectionResult out;
  std::uint64_t wire = 0;
  std::vector<Digest> fresh;
  std::unordered_set<Digest> fresh_set;
  for (std::size_t at = 0; at < items.size();) {
    std::size_t end = at;
    while (end < items.size() && items[end].key == items[at].key) ++end;
    fresh.clear();
    fresh_set.clear();
    for (std::size_t i = at; i < end; ++i) {
      auto [it, new_sample] = chunks_of.try_emplace(items[i].sample);
      if (new_sample) {
        std::unordered_set<Digest> distinct;
        for (const Digest& c : history.sample_chunks(items[i].sample))
          if (distinct.insert(c).second) it->second.push_back(c);
      }
      bool adds = false;  // against what the units before this one took
      for (const Digest& c : it->second)
        if (!have.count(c)) {
          adds = true;
          if (fresh_set.insert(c).second) fresh.push_back(c);
        }
      if (adds) wire += items[i].nbytes;
      // A sample with chunks becomes whole in the unit that takes its last one: counted once.
      if (!it->second.empty()) out.stored_bound += items[i].nbytes;
      ++out.samples;
      out.nbytes += items[i].nbytes;
    }
    wire += kChunkRecordOverhead * fresh.size();
    for (const Digest& c : fresh) {
      have.insert(c);
      out.chunks.push_back(c);
    }
    ++out.units;
    at = end;
  }
  out.wire_bound = out.chunks.empty() ? 0 : wire + pack_overhead(out.chunks.size());
  return out;
}

}  // namespace

std::optional<std::uint64_t> selection_budget(const Repository& repo, const Digest& commit,
                                              const DataSelection& selection) {
  validate(selection);
  if (selection.none || !selection.max_percent) return selection.max_bytes;
  Selector s(repo, selection);
  add_scope(s, repo, commit, selection);
  return s.budget();
}

SelectionResult select_chunks(const Repository& repo, const Digest& commit,
                              const DataSelection& selection, std::uint64_t already) {
  validate(selection);
  if (selection.none) return {};
  if (takes_everything(selection)) return select_everything(repo, commit, selection);
  Selector s(repo, selection);
  add_scope(s, repo, commit, selection);
  std::optional<Checkout> view;
  if (selection.stratify) view.emplace(repo.checkout_at(commit));
  return s.run(s.pools(view ? &*view : nullptr), already);
}

LabelChunks label_chunks(const Repository& repo, const Digest& commit, const std::string& column) {
  const Checkout view = repo.checkout_at(commit);
  check_label_column(view.schema(column));
  transfer::HistoryReader history(repo);
  LabelChunks out;
  std::unordered_set<Digest> seen;
  view.for_each(column, [&](const SampleRef& ref) {
    for (const auto& c : history.sample_chunks(ref.sample))
      if (seen.insert(c).second) {
        out.chunks.push_back(c);
        out.raw_bounds.push_back(ref.nbytes);
      }
    return true;
  });
  return out;
}

}  // namespace hangar::remote
