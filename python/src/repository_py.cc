// hangar.Repository and the write session of write checkouts.
#include <hangar/error.h>
#include <hangar/report/json.h>
#include <unistd.h>

#include <limits>

#include "convert.h"
#include "errors.h"
#include "objects.h"

namespace hangar::python {

// ---- WriteSession ----

WriteSession::WriteSession(std::shared_ptr<RepoHandle> handle,
                           const std::optional<std::string>& branch)
    : handle_(std::move(handle)), pid_(static_cast<std::uint64_t>(::getpid())) {
  handle_->begin_write();
  open_ = true;
  try {
    auto lease = handle_->lease();
    if (branch && *branch != lease.repo().current_branch()) lease.repo().checkout(*branch);
    branch_ = lease.repo().current_branch();
  } catch (...) {
    close();
    throw;
  }
}

WriteSession::~WriteSession() { close(); }

RepoHandle::Lease WriteSession::lease() const {
  if (pid_ != static_cast<std::uint64_t>(::getpid()))
    throw py::value_error("this write checkout belongs to the process that opened it (pid " +
                          std::to_string(pid_) + "); open a new one in this process");
  if (!open_)
    throw py::value_error(
        "the write checkout is closed; open a new one with "
        "repo.checkout(write=True)");
  return handle_->lease();
}

void WriteSession::close() noexcept {
  if (!open_) return;
  open_ = false;
  if (pid_ == static_cast<std::uint64_t>(::getpid())) handle_->end_write();
}

// ---- Repository ----

PyRepository::PyRepository(const std::string& path) : handle_(RepoHandle::open(path)) {}

PyRepository PyRepository::init(const std::string& path, const std::optional<std::string>& user,
                                const std::optional<std::string>& email) {
  const std::filesystem::path root =
      std::filesystem::weakly_canonical(std::filesystem::absolute(path));
  Repository::init(root, UserIdentity{user.value_or(""), email.value_or("")});
  return PyRepository(root.string());
}

RepoHandle& PyRepository::handle() const {
  if (!handle_) throw py::value_error("the repository is closed");
  return *handle_;
}

std::string PyRepository::path() const { return handle().root().string(); }

std::string PyRepository::current_branch() const {
  return handle().lease().repo().current_branch();
}

py::object PyRepository::head() const { return digest_to_py(handle().lease().repo().head()); }

py::dict PyRepository::branches() const {
  py::dict out;
  for (const BranchInfo& b : handle().lease().repo().branches())
    out[py::str(b.name)] = b.commit.hex();
  return out;
}

std::string PyRepository::resolve(const std::string& ref) const {
  return handle().lease().repo().resolve(ref).hex();
}

py::dict PyRepository::config() const {
  py::dict out;
  for (const auto& [k, v] : handle().lease().repo().config_values()) out[py::str(k)] = v;
  return out;
}

void PyRepository::set_config(const std::string& key, const std::optional<std::string>& value) {
  {
    WriteScope scope(handle());
    scope.repo().set_config(key, value);
  }
  if (key == "fetch.lazy") update_fetcher(handle().lease().repo());
}

bool PyRepository::lazy_fetch() const { return handle().lease().repo().lazy_fetch(); }

std::string PyRepository::create_branch(const std::string& name,
                                        const std::optional<std::string>& start) {
  WriteScope scope(handle());
  scope.repo().create_branch(name, start ? std::optional<std::string_view>(*start) : std::nullopt);
  return scope.repo().find_branch(name)->hex();
}

std::string PyRepository::delete_branch(const std::string& name, bool force) {
  WriteScope scope(handle());
  const std::optional<Digest> was = scope.repo().find_branch(name);
  scope.repo().delete_branch(name, force);
  return was ? was->hex() : std::string();
}

py::object PyRepository::log(const std::string& ref, std::optional<std::size_t> n) const {
  auto lease = handle().lease();
  Repository& repo = lease.repo();
  std::vector<LogEntry> entries;
  if (ref != "HEAD" || repo.head())  // an unborn HEAD has an empty log, as in the CLI
    entries = repo.log(repo.resolve(ref), n.value_or(std::numeric_limits<std::size_t>::max()));
  return json_to_py(report::log_json(entries));
}

py::object PyRepository::diff(const std::optional<std::string>& a,
                              const std::optional<std::string>& b,
                              const std::string& detail) const {
  DiffSpec spec;
  if (detail == "keys")
    spec.detail = DiffDetail::Keys;
  else if (detail == "stat")
    spec.detail = DiffDetail::Stats;
  else if (detail == "summary")
    spec.detail = DiffDetail::Counts;
  else
    throw py::value_error("detail must be 'keys', 'stat' or 'summary', not '" + detail + "'");
  if (b && !a) throw py::value_error("diff(b=...) needs a as well");
  auto lease = handle().lease();
  Repository& repo = lease.repo();
  if (!a) {  // HEAD..staged, as 'hangar diff'
    const std::optional<Digest> head = repo.head();
    spec.from = head ? DiffSide::at(*head) : DiffSide::empty();
    spec.to = DiffSide::staged();
  } else {
    spec.from = DiffSide::at(repo.resolve(*a));
    spec.to = DiffSide::at(repo.resolve(b ? *b : std::string("HEAD")));
  }
  return json_to_py(report::diff_json(repo.diff(spec), spec.detail));
}

py::object PyRepository::show(const std::string& ref) const {
  auto lease = handle().lease();
  return json_to_py(report::show_json(lease.repo().show(lease.repo().resolve(ref))));
}

py::object PyRepository::merge(const std::string& ref, const std::optional<std::string>& message,
                               const std::optional<std::string>& strategy) {
  MergeOptions options;
  options.message = message.value_or("");
  if (strategy) {
    if (*strategy == "ours")
      options.strategy = MergeStrategy::Ours;
    else if (*strategy == "theirs")
      options.strategy = MergeStrategy::Theirs;
    else
      throw py::value_error("strategy must be 'ours', 'theirs' or None, not '" + *strategy + "'");
  }
  WriteScope scope(handle());
  const MergeResult r = scope.repo().merge(ref, options);
  py::object doc = json_to_py(report::merge_json(r));
  if (r.kind == MergeResult::Kind::Conflict) {
    const std::size_t n = r.conflicts.size();
    raise_conflict("merge of " + ref + " into " + scope.repo().current_branch() +
                       " stopped: " + std::to_string(n) + (n == 1 ? " conflict" : " conflicts") +
                       "; nothing was written (merge again with strategy='ours' or 'theirs' "
                       "to resolve them)",
                   doc);
  }
  return doc;
}

py::object PyRepository::status() const {
  return json_to_py(report::status_json(handle().lease().repo(), handle().lease().repo().status()));
}

py::object PyRepository::summary(const std::optional<std::string>& ref) const {
  auto lease = handle().lease();
  Repository& repo = lease.repo();
  Checkout view = ref ? repo.checkout_at(repo.resolve(*ref)) : repo.staged_view();
  return json_to_py(report::summary_json(view));
}

py::object PyRepository::checkout(const std::optional<std::string>& ref, bool write) {
  if (write) {
    handle();  // ValueError when closed
    const bool current = !ref || *ref == "HEAD";
    auto session = std::make_shared<WriteSession>(handle_, current ? std::nullopt : ref);
    return py::cast(PyWriteCheckout(std::make_shared<CheckoutCore>(handle_, std::nullopt, true),
                                    std::move(session)));
  }
  const Digest commit = handle().lease().repo().resolve(ref.value_or("HEAD"));
  return py::cast(PyCheckout(std::make_shared<CheckoutCore>(handle_, commit, false), nullptr));
}

std::string PyRepository::repr() const {
  if (!handle_) return "<hangar.Repository (closed)>";
  return "<hangar.Repository '" + handle_->root().string() + "'>";
}

}  // namespace hangar::python
