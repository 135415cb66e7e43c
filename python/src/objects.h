// The C++ classes behind hangar._hangar's Python types (bound in module.cc). Every method
// runs with the GIL held unless it says otherwise; libhangar errors propagate as hangar::Error
// and become hangar.errors classes (errors.cc).
#pragma once

#include <hangar/repository.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkout_core.h"
#include "repo_handle.h"

namespace hangar::python {

namespace py = pybind11;

class PyCheckout;
class PyColumn;

// A write checkout's hold on the writer lock: from open until close() (or destruction).
class WriteSession {
 public:
  // Switches the handle to writing and, when `branch` names another branch, checks it out.
  WriteSession(std::shared_ptr<RepoHandle> handle, const std::optional<std::string>& branch);
  ~WriteSession();
  WriteSession(const WriteSession&) = delete;
  WriteSession& operator=(const WriteSession&) = delete;

  // The write-mode Repository, leased. Throws ValueError when closed, or in a forked child.
  RepoHandle::Lease lease() const;
  void close() noexcept;
  bool open() const noexcept { return open_; }
  const std::string& branch() const noexcept { return branch_; }

 private:
  std::shared_ptr<RepoHandle> handle_;
  std::string branch_;
  bool open_ = false;
  std::uint64_t pid_;
};

class PyRepository {
 public:
  explicit PyRepository(const std::string& path);
  static PyRepository init(const std::string& path, const std::optional<std::string>& user,
                           const std::optional<std::string>& email);

  std::string path() const;
  std::string current_branch() const;
  py::object head() const;
  py::dict branches() const;
  std::string resolve(const std::string& ref) const;
  std::string create_branch(const std::string& name, const std::optional<std::string>& start);
  std::string delete_branch(const std::string& name, bool force);
  py::object log(const std::string& ref, std::optional<std::size_t> n) const;
  py::object diff(const std::optional<std::string>& a, const std::optional<std::string>& b,
                  const std::string& detail) const;
  py::object show(const std::string& ref) const;
  py::object merge(const std::string& ref, const std::optional<std::string>& message,
                   const std::optional<std::string>& strategy);
  py::object status() const;
  py::object summary(const std::optional<std::string>& ref) const;
  py::dict config() const;
  void set_config(const std::string& key, const std::optional<std::string>& value);
  bool lazy_fetch() const;
  // A PyCheckout, or a PyWriteCheckout when `write`.
  py::object checkout(const std::optional<std::string>& ref, bool write);
  void close() noexcept { handle_.reset(); }
  std::string repr() const;

 private:
  RepoHandle& handle() const;
  std::shared_ptr<RepoHandle> handle_;
};

// A read checkout: one commit, pinned.
class PyCheckout {
 public:
  PyCheckout(std::shared_ptr<CheckoutCore> core, std::shared_ptr<WriteSession> session)
      : core_(std::move(core)), session_(std::move(session)) {}

  py::object commit() const;
  std::vector<std::string> column_names() const;
  bool has_column(const std::string& name) const;
  PyColumn column(const std::string& name) const;
  py::dict columns() const;
  void close() noexcept;
  bool writable() const noexcept { return session_ != nullptr; }
  std::string repr() const;

 protected:
  const std::shared_ptr<CheckoutCore>& core() const;
  std::shared_ptr<CheckoutCore> core_;
  std::shared_ptr<WriteSession> session_;  // set in a PyWriteCheckout only
};

// A write checkout: the staged view of its branch, holding the writer lock.
class PyWriteCheckout : public PyCheckout {
 public:
  PyWriteCheckout(std::shared_ptr<CheckoutCore> core, std::shared_ptr<WriteSession> session)
      : PyCheckout(std::move(core), std::move(session)) {}

  std::string branch() const { return session_->branch(); }
  PyColumn create_column(const std::string& name, py::object dtype, py::object shape,
                         py::object prototype, bool variable_shape, bool nested,
                         const std::string& backend, int compression_level);
  void delete_column(const std::string& name);
  std::string commit_staged(const std::string& message);
  void reset();
  py::object status() const;
};

// Where a sample's record points (a SampleRef without its key): content addresses, valid in
// every Checkout of the commit it was read from, in any process.
struct RecordRef {
  SampleId sample;
  std::uint64_t nbytes = 0;
};

// Keys of a dataset, held in C++ (no Python object per key: forked DataLoader workers do not
// copy pages by touching reference counts). When made by of_columns(), it also holds each
// column's records, so that reads by index skip the record-tree lookup.
class KeyList {
 public:
  KeyList() = default;
  explicit KeyList(std::vector<Key> keys) : keys_(std::move(keys)) {}
  static KeyList from_py(py::iterable keys);
  // The keys of columns[0] that every column has (key order); with local_only, only those
  // whose data is local in every column. Throws: TypeError for nested columns.
  static KeyList of_columns(const std::vector<PyColumn>& columns, bool local_only);
  std::size_t size() const noexcept { return keys_.size(); }
  std::size_t index(std::int64_t i) const;  // negative from the end; IndexError
  const Key& at(std::int64_t i) const { return keys_[index(i)]; }
  py::list to_list() const;
  // The records of `column` when of_columns() resolved them, else nullptr.
  const std::vector<RecordRef>* records_of(const PyColumn& column) const;

 private:
  struct Resolved {
    std::shared_ptr<CheckoutCore> core;  // the checkout the records were read from
    std::string column;
    std::vector<RecordRef> records;  // one per key
  };
  std::vector<Key> keys_;
  std::vector<Resolved> resolved_;
};

class PyColumn {
 public:
  PyColumn(std::shared_ptr<CheckoutCore> core, std::shared_ptr<WriteSession> session,
           ColumnSchema schema)
      : core_(std::move(core)), session_(std::move(session)), schema_(std::move(schema)) {}

  const ColumnSchema& schema() const noexcept { return schema_; }
  const std::string& name() const noexcept { return schema_.name; }
  py::dtype dtype() const;
  py::tuple shape() const;
  bool nested() const noexcept { return schema_.layout == Layout::Nested; }
  bool writable() const noexcept { return session_ != nullptr; }
  const std::shared_ptr<CheckoutCore>& core() const noexcept { return core_; }
  std::string repr() const;

  // column_read.cc
  std::uint64_t size() const;
  std::uint64_t nbytes() const;
  bool contains(py::handle key) const;
  py::list keys() const;
  std::vector<Key> key_vector() const;
  py::list subkeys(py::handle key) const;
  py::object getitem(py::handle index) const;
  py::array read(py::handle key, py::handle subkey) const;
  void read_into(py::handle key, py::handle out, py::handle subkey) const;
  py::array read_slice(py::handle key, py::handle index) const;
  bool is_local(py::handle key, py::handle subkey) const;

  // batch_read.cc
  py::object get_batch(py::handle keys) const;
  py::object get_batch_at(const KeyList& keys, py::handle indices) const;
  py::object read_at(const KeyList& keys, std::int64_t index) const;
  // Lazy reads: brings the samples' missing chunks in batched requests, GIL released; returns
  // how many chunks were missing (0 when the repository does not fetch lazily).
  std::uint64_t prefetch(py::handle keys) const;
  std::uint64_t prefetch_at(const KeyList& keys, py::handle indices) const;

  // column_write.cc
  void put(py::handle key, py::handle value, py::handle subkey);
  void update(py::handle values);
  void remove(py::handle key, py::handle subkey);

 private:
  // One sample of a batch: its key, and its record when a KeyList resolved it.
  struct BatchItem {
    const Key* key;
    const RecordRef* record;  // nullptr: looked up by key
  };
  py::object read_batch(const std::vector<BatchItem>& items) const;
  std::vector<BatchItem> items_at(const KeyList& keys, py::handle indices) const;
  SampleRef ref_of(const Checkout& co, const BatchItem& item) const;
  // fetch_missing of the items when the repository fetches lazily. REQUIRES: GIL released.
  std::uint64_t fetch_batch(const std::vector<BatchItem>& items) const;
  WriteSession& session() const;
  std::shared_ptr<CheckoutCore> core_;
  std::shared_ptr<WriteSession> session_;
  ColumnSchema schema_;
};

// "'images'/'cat/00017'" (with "/'3'" for a subkey), as libhangar names samples in messages.
std::string sample_text(const std::string& column, const Key& key, const std::optional<Key>& sub);
// Throws NotFound "no sample 'images'/'x' at commit 1a2b3c4d5e6f", as Checkout::get does.
[[noreturn]] void fail_not_found(const CheckoutCore& core, const std::string& column,
                                 const Key& key, const std::optional<Key>& sub);

// Iterates a column's keys (snapshotted at creation), yielding keys, values or (key, value).
class SampleIterator {
 public:
  enum class What { Keys, Values, Items };
  SampleIterator(PyColumn column, What what);
  py::object next();

 private:
  PyColumn column_;
  What what_;
  std::vector<Key> keys_;
  std::size_t next_ = 0;
};

}  // namespace hangar::python
