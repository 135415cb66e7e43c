// hangar.Column.get_batch and the dataset key lists: many samples per call, read in C++ with
// the GIL released, split over the cores.
#include <hangar/error.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "convert.h"
#include "objects.h"

namespace hangar::python {

namespace {

// Work per thread below which a batch is not split further: starting a thread (~30 us, and its
// zstd context) costs as much as decoding a few KB, so 64 labels stay on the calling thread
// while 64 images of 3 KB (workload C) go to both cores.
constexpr std::uint64_t kMinBytesPerThread = std::uint64_t{32} * 1024;

unsigned batch_threads(std::size_t n, std::uint64_t approx_bytes) {
  const unsigned hw = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  const std::uint64_t by_size = std::max<std::uint64_t>(1, approx_bytes / kMinBytesPerThread);
  return static_cast<unsigned>(std::min<std::uint64_t>({by_size, hw, std::max<std::size_t>(n, 1)}));
}

// Runs work(checkout, begin, end) over [0, n) split into contiguous parts, one Checkout each
// (about approx_bytes of samples in all);
// rethrows the first error (by position) after every thread has finished.
template <typename Work>
void run_split(CheckoutCore& core, std::size_t n, std::uint64_t approx_bytes, Work&& work) {
  const unsigned threads = batch_threads(n, approx_bytes);
  auto use = core.use(threads);
  std::vector<std::exception_ptr> errors(threads);
  auto part = [&](unsigned t) {
    const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
    try {
      use.at(t).set_read_threads(1);
      work(use.at(t), begin, end);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(part, t);
    part(0);
    for (auto& th : pool) th.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::vector<Key> keys_from_py(py::handle keys) {
  std::vector<Key> out;
  if (py::isinstance<py::str>(keys))
    throw py::type_error("get_batch takes a sequence of keys, not one str key");
  for (py::handle k : py::reinterpret_borrow<py::iterable>(keys)) out.push_back(key_from_py(k));
  return out;
}

}  // namespace

SampleRef PyColumn::ref_of(const Checkout& co, const BatchItem& item) const {
  if (item.record != nullptr)
    return SampleRef{*item.key, std::nullopt, item.record->sample, item.record->nbytes};
  std::optional<SampleRef> ref = co.find(schema_.name, *item.key);
  if (!ref) fail_not_found(*core_, schema_.name, *item.key, std::nullopt);
  return std::move(*ref);
}

std::uint64_t PyColumn::fetch_batch(const std::vector<BatchItem>& items) const {
  CheckoutCore::Use use = core_->use();
  if (!use.repo().lazy_fetch()) return 0;
  std::vector<SampleRef> refs;
  refs.reserve(items.size());
  for (const BatchItem& item : items) refs.push_back(ref_of(*use, item));
  return use->fetch_missing(refs);
}

py::object PyColumn::read_batch(const std::vector<BatchItem>& items) const {
  if (nested())
    throw py::type_error("get_batch reads flat columns; column '" + schema_.name + "' is nested");
  const std::size_t n = items.size();
  {
    py::gil_scoped_release unlocked;
    fetch_batch(items);  // lazy reads: the batch's missing chunks in one request
  }
  auto ref_of = [this](const Checkout& co, const BatchItem& item) {
    return this->ref_of(co, item);
  };
  auto context = [&](const Error& e, const Key& key) {
    return e.with_context("cannot read " + sample_text(schema_.name, key, std::nullopt));
  };
  if (!schema_.variable_shape) {
    std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
    shape.insert(shape.end(), schema_.shape.begin(), schema_.shape.end());
    py::array out(dtype_to_numpy(schema_.dtype), shape);
    const std::size_t sample_bytes = n ? static_cast<std::size_t>(out.nbytes()) / n : 0;
    auto* base = static_cast<std::byte*>(out.mutable_data());
    py::gil_scoped_release unlocked;
    run_split(*core_, n, out.nbytes(), [&](Checkout& co, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const SampleRef ref = ref_of(co, items[i]);
        try {
          co.read_into(ref, MutableByteView(base + i * sample_bytes, sample_bytes));
        } catch (const Error& e) {
          throw context(e, ref.key);
        }
      }
    });
    return out;
  }
  std::vector<Tensor> tensors(n);
  {
    py::gil_scoped_release unlocked;
    const std::uint64_t max_bytes =
        checked_element_count(schema_.shape, schema_.dtype, schema_.name) *
        dtype_size(schema_.dtype);
    run_split(*core_, n, n * max_bytes / 2, [&](Checkout& co, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const SampleRef ref = ref_of(co, items[i]);
        try {
          tensors[i] = co.read(ref);
        } catch (const Error& e) {
          throw context(e, ref.key);
        }
      }
    });
  }
  py::list out;
  for (Tensor& t : tensors) out.append(tensor_to_array(std::move(t)));
  return out;
}

py::object PyColumn::get_batch(py::handle keys) const {
  const std::vector<Key> k = keys_from_py(keys);
  std::vector<BatchItem> items;
  items.reserve(k.size());
  for (const Key& key : k) items.push_back({&key, nullptr});
  return read_batch(items);
}

std::vector<PyColumn::BatchItem> PyColumn::items_at(const KeyList& keys, py::handle indices) const {
  using Indices = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
  const Indices idx = Indices::ensure(indices);
  if (!idx) throw py::type_error("indices must be a sequence of integers");
  const std::vector<RecordRef>* records = keys.records_of(*this);
  std::vector<BatchItem> items;
  items.reserve(static_cast<std::size_t>(idx.size()));
  const std::int64_t* p = idx.data();
  for (py::ssize_t i = 0; i < idx.size(); ++i) {
    const std::size_t at = keys.index(p[i]);
    items.push_back({&keys.at(p[i]), records ? &(*records)[at] : nullptr});
  }
  return items;
}

py::object PyColumn::get_batch_at(const KeyList& keys, py::handle indices) const {
  return read_batch(items_at(keys, indices));
}

std::uint64_t PyColumn::prefetch(py::handle keys) const {
  if (nested())
    throw py::type_error("prefetch reads flat columns; column '" + schema_.name + "' is nested");
  const std::vector<Key> k = keys_from_py(keys);
  std::vector<BatchItem> items;
  items.reserve(k.size());
  for (const Key& key : k) items.push_back({&key, nullptr});
  py::gil_scoped_release unlocked;
  return fetch_batch(items);
}

std::uint64_t PyColumn::prefetch_at(const KeyList& keys, py::handle indices) const {
  const std::vector<BatchItem> items = items_at(keys, indices);
  py::gil_scoped_release unlocked;
  return fetch_batch(items);
}

py::object PyColumn::read_at(const KeyList& keys, std::int64_t index) const {
  const std::vector<RecordRef>* records = keys.records_of(*this);
  if (records == nullptr) return read(key_to_py(keys.at(index)), py::none());
  const std::size_t at = keys.index(index);
  const RecordRef& r = (*records)[at];
  const SampleRef ref{keys.at(index), std::nullopt, r.sample, r.nbytes};
  try {
    auto use = core_->use();
    Tensor t;
    {
      py::gil_scoped_release unlocked;  // a lazy read may wait on the network
      t = use->read(ref);
    }
    return tensor_to_array(std::move(t));
  } catch (const Error& e) {
    throw e.with_context("cannot read " + sample_text(schema_.name, ref.key, std::nullopt));
  }
}

// ---- KeyList ----

KeyList KeyList::from_py(py::iterable keys) { return KeyList(keys_from_py(keys)); }

std::size_t KeyList::index(std::int64_t i) const {
  const auto n = static_cast<std::int64_t>(keys_.size());
  const std::int64_t at = i < 0 ? i + n : i;
  if (at < 0 || at >= n)
    throw py::index_error("index " + std::to_string(i) + " is out of range for " +
                          std::to_string(n) + " samples");
  return static_cast<std::size_t>(at);
}

py::list KeyList::to_list() const {
  py::list out;
  for (const Key& k : keys_) out.append(key_to_py(k));
  return out;
}

const std::vector<RecordRef>* KeyList::records_of(const PyColumn& column) const {
  for (const Resolved& r : resolved_)
    if (r.core == column.core() && r.column == column.name()) return &r.records;
  return nullptr;
}

KeyList KeyList::of_columns(const std::vector<PyColumn>& columns, bool local_only) {
  if (columns.empty()) throw py::value_error("a dataset needs at least one column");
  for (const PyColumn& c : columns) {
    if (c.nested())
      throw py::type_error("datasets read flat columns; column '" + c.name() + "' is nested");
    if (&c.core()->handle() != &columns[0].core()->handle())
      throw py::value_error("the columns of a dataset must be of one repository");
  }
  py::gil_scoped_release unlocked;
  // Every column's records in key order (record trees are sorted), then their intersection.
  std::vector<std::vector<std::pair<Key, RecordRef>>> all(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    columns[c].core()->use()->for_each(columns[c].name(), [&](const SampleRef& ref) {
      all[c].emplace_back(ref.key, RecordRef{ref.sample, ref.nbytes});
      return true;
    });
  }
  KeyList out;
  for (const PyColumn& c : columns) out.resolved_.push_back({c.core(), c.name(), {}});
  // Whether a record's chunks are local does not depend on the commit: one Checkout serves all.
  std::optional<CheckoutCore::Use> use;
  if (local_only) use.emplace(columns[0].core()->use());
  std::vector<std::size_t> pos(columns.size(), 0);
  std::vector<const RecordRef*> row(columns.size());
  for (const auto& [key, first] : all[0]) {
    bool everywhere = true;
    row[0] = &first;
    for (std::size_t c = 1; c < columns.size() && everywhere; ++c) {
      while (pos[c] < all[c].size() && all[c][pos[c]].first < key) ++pos[c];
      everywhere = pos[c] < all[c].size() && all[c][pos[c]].first == key;
      if (everywhere) row[c] = &all[c][pos[c]].second;
    }
    for (std::size_t c = 0; use && c < columns.size() && everywhere; ++c)
      everywhere = (*use)->is_local(SampleRef{key, std::nullopt, row[c]->sample, row[c]->nbytes});
    if (!everywhere) continue;
    out.keys_.push_back(key);
    for (std::size_t c = 0; c < columns.size(); ++c) out.resolved_[c].records.push_back(*row[c]);
  }
  return out;
}

}  // namespace hangar::python
