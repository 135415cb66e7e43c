// Verifying a converted repository against its format-1 original (upgrade_verify.h).
#include "upgrade/upgrade_verify.h"

#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/maintenance.h>

#include <cstring>
#include <set>
#include <unordered_map>

#include "model/record_key.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"

namespace hangar::upgrade {
namespace {

using format1::Digest1;
constexpr std::size_t kMaxRememberedSamples = 1u << 20;

[[noreturn]] void unfaithful(const std::string& what) {
  fail(ErrorCode::Corrupt,
       "the upgrade is not faithful: " + what + " differ; nothing was changed (please report)");
}

[[noreturn]] void differs(const Digest1& commit, const std::string& what) {
  unfaithful(what + " at format-1 commit " + commit.hex());
}

class Verifier {
 public:
  Verifier(format1::Repo1& old, Converter& conv, const Repository& repo)
      : old_(old), conv_(conv), repo_(repo) {}

  void commit(const Digest1& id) {
    const format1::Commit1 want = old_.meta().commit(id);
    const Commit got = repo_.get_commit(conv_.commit_of(id));
    if (got.parents.size() != want.parents.size()) differs(id, "the parents");
    for (std::size_t i = 0; i < got.parents.size(); ++i)
      if (got.parents[i] != conv_.commit_of(want.parents[i])) differs(id, "the parents");
    if (got.author != want.author || got.email != want.email || got.time != want.time ||
        got.message != want.message)
      differs(id, "the author, email, time or message");
    if (got.columns.size() != want.columns.size()) differs(id, "the columns");
    const Checkout co = repo_.checkout_at(conv_.commit_of(id));
    for (std::size_t i = 0; i < got.columns.size(); ++i)
      column(id, want.columns[i], got.columns[i], co);
  }

 private:
  void column(const Digest1& id, const format1::Column1& want, const CommitColumn& got,
              const Checkout& co) {
    if (got.name != want.name || got.count != want.count || got.nbytes != want.nbytes)
      differs(id, "the totals of column '" + want.name + "'");
    const ColumnSchema& schema = conv_.schema_of(want.schema);
    if (co.schema(got.name) != schema) differs(id, "the schema of column '" + want.name + "'");
    if (!trees_.insert({want.records, got.records}).second) return;  // checked at another commit
    format1::RecordCursor1 it(old_.meta(), want.records);
    co.for_each(got.name, [&](const SampleRef& ref) {
      const std::string where = "column '" + want.name + "', key '" + ref.key.to_string() + "'";
      if (!it.valid() ||
          compare_keys(detail::record_key(schema, ref.key, ref.subkey), it.key()) != 0)
        differs(id, "the keys of column '" + want.name + "' at '" + ref.key.to_string() + "'");
      if (ref.nbytes != it.nbytes()) differs(id, "the size of " + where);
      sample(id, it.sample(), ref, co, where);
      it.next();
      return true;
    });
    if (it.valid()) differs(id, "the records of column '" + want.name + "'");
    check_interrupt();
  }

  // The sample's bytes, dtype and shape, compared once per pair of identities.
  void sample(const Digest1& id, const Digest1& f1, const SampleRef& ref, const Checkout& co,
              const std::string& where) {
    if (auto it = samples_.find(f1); it != samples_.end()) {
      if (it->second == ref.sample) return;
    }
    const format1::Descriptor1 d = old_.meta().descriptor(f1);
    const Bytes want = old_.read_sample(d);
    const Tensor got = co.read(ref);
    const Shape shape(d.shape.begin(), d.shape.end());
    if (static_cast<std::uint8_t>(got.dtype()) != d.dtype || got.shape() != shape ||
        got.data().size() != want.size() ||
        (!want.empty() && std::memcmp(got.data().data(), want.data(), want.size()) != 0))
      differs(id, "the bytes of " + where);
    if (samples_.size() >= kMaxRememberedSamples) samples_.clear();
    samples_.insert_or_assign(f1, ref.sample);
  }

  format1::Repo1& old_;
  Converter& conv_;
  const Repository& repo_;
  std::set<std::pair<Digest1, Digest>> trees_;
  std::unordered_map<Digest1, decltype(SampleRef::sample)> samples_;
};

}  // namespace

void verify_upgrade(format1::Repo1& old, const History1& history, Converter& converter,
                    const Repository& repo, const std::function<void(std::uint64_t)>& progress) {
  Verifier v(old, converter, repo);
  std::uint64_t done = 0;
  for (const Digest1& id : history.commits) {
    v.commit(id);
    if (progress) progress(++done);
  }
  const auto& st = detail::state_of(repo);
  auto txn = st.meta.begin_read();
  for (const auto& [name, commit] : history.refs)
    if (st.refs.read(txn, name) != converter.commit_of(commit)) unfaithful("ref '" + name + "'");
  if (st.refs.head_branch(txn) != history.head_branch) unfaithful("HEAD");
  const FsckReport r = fsck(repo, false);
  if (!r.ok() || r.not_local != 0)
    fail(ErrorCode::Corrupt,
         "fsck of the upgraded repository found " + std::to_string(r.problems.size()) +
             " problems" + (r.problems.empty() ? "" : " (" + r.problems.front().message + ")") +
             " and " + std::to_string(r.not_local) +
             " chunks not local; nothing was changed (please report)");
}

}  // namespace hangar::upgrade
