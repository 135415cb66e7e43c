// Partial-data selection (selection.h): computed on the client from the history it holds.
#include <hangar/error.h>
#include <hangar/remote/selection.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_set>

namespace hangar::remote {

void validate(const DataSelection& s) {
  if (s.fraction && !(*s.fraction > 0.0 && *s.fraction <= 1.0))
    fail(ErrorCode::InvalidArgument,
         "--fraction must be greater than 0 and at most 1, got " + std::to_string(*s.fraction));
  if (s.none &&
      (!s.columns.empty() || !s.keys.empty() || s.fraction || s.max_bytes || s.all_history))
    fail(ErrorCode::InvalidArgument, "--no-data cannot be combined with other data selectors");
}

bool fraction_keeps(double fraction, std::uint64_t seed, const Key& key) {
  if (fraction >= 1.0) return true;
  Bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>((seed >> (8 * i)) & 0xFF));
  key.append_encoded(b);
  const Digest d = digest_of(b);
  std::uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | std::to_integer<std::uint64_t>(d.bytes[i]);
  // h / 2^64 < fraction
  return static_cast<double>(h) < fraction * 18446744073709551616.0;
}

namespace {

struct Selector {
  const DataSelection& sel;
  transfer::HistoryReader history;
  std::set<Key> keys;
  SelectionResult out;
  std::unordered_set<Digest> seen_chunks;
  std::map<std::string, std::uint64_t> used;                       // budget used per column
  std::map<std::string, std::unordered_set<Digest>> seen_samples;  // per column
  std::set<std::string> exhausted;                                 // budget reached

  Selector(const Repository& repo, const DataSelection& s)
      : sel(s), history(repo), keys(s.keys.begin(), s.keys.end()) {}

  // Returns false once the column's budget is used up (key order: stop there).
  bool visit(const std::string& column, const SampleRef& ref) {
    if (!keys.empty() && !keys.count(ref.key)) return true;
    if (sel.fraction && !fraction_keeps(*sel.fraction, sel.seed, ref.key)) return true;
    if (!seen_samples[column].insert(ref.sample).second) return true;
    if (sel.max_bytes) {
      std::uint64_t& u = used[column];
      if (ref.nbytes > *sel.max_bytes - u) {
        exhausted.insert(column);
        return false;
      }
      u += ref.nbytes;
    }
    ++out.samples;
    out.nbytes += ref.nbytes;
    for (const auto& c : history.sample_chunks(ref.sample))
      if (seen_chunks.insert(c).second) out.chunks.push_back(c);
    return true;
  }

  void column(const Checkout& view, const std::string& name) {
    if (exhausted.count(name)) return;
    if (!keys.empty() && view.schema(name).layout == Layout::Flat) {
      for (const Key& k : keys)  // std::set<Key> iterates in key order
        if (auto ref = view.find(name, k); ref && !visit(name, *ref)) return;
      return;
    }
    view.for_each(name, [&](const SampleRef& ref) { return visit(name, ref); });
  }
};

}  // namespace

SelectionResult select_chunks(const Repository& repo, const Digest& commit,
                              const DataSelection& selection) {
  validate(selection);
  if (selection.none) return {};
  std::vector<Digest> commits{commit};
  if (selection.all_history) {
    commits.clear();
    for (const auto& e : repo.log(commit, std::numeric_limits<std::size_t>::max()))
      commits.push_back(e.digest);  // newest first: a budget favours recent data
  }
  Selector s(repo, selection);
  std::set<std::string> found;
  for (const Digest& c : commits) {
    const Checkout view = repo.checkout_at(c);
    for (const std::string& name : view.column_names()) {
      const auto& wanted = selection.columns;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end())
        continue;
      found.insert(name);
      s.column(view, name);
    }
  }
  for (const auto& name : selection.columns)
    if (!found.count(name))
      fail(ErrorCode::NotFound, "no column '" + name + "' at commit " + commit.short_hex() +
                                    "; see 'hangar column list'");
  return std::move(s.out);
}

}  // namespace hangar::remote
