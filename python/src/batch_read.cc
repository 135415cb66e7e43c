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

// Work per thread below which a batch is not split further: starting a thread (~30 us) costs
// as much as decoding ~30 KB, so a batch of labels stays on the calling thread.
constexpr std::uint64_t kMinBytesPerThread = 128 * 1024;

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

py::object PyColumn::read_batch(const std::vector<Key>& keys) const {
  if (nested())
    throw py::type_error("get_batch reads flat columns; column '" + schema_.name + "' is nested");
  const std::size_t n = keys.size();
  if (!schema_.variable_shape) {
    std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
    shape.insert(shape.end(), schema_.shape.begin(), schema_.shape.end());
    py::array out(dtype_to_numpy(schema_.dtype), shape);
    const std::size_t sample_bytes = n ? static_cast<std::size_t>(out.nbytes()) / n : 0;
    auto* base = static_cast<std::byte*>(out.mutable_data());
    {
      py::gil_scoped_release unlocked;
      run_split(*core_, n, out.nbytes(), [&](Checkout& co, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          const std::optional<SampleRef> ref = co.find(schema_.name, keys[i]);
          if (!ref) fail_not_found(*core_, schema_.name, keys[i], std::nullopt);
          try {
            co.read_into(*ref, MutableByteView(base + i * sample_bytes, sample_bytes));
          } catch (const Error& e) {
            throw e.with_context("cannot read " + sample_text(schema_.name, keys[i], std::nullopt));
          }
        }
      });
    }
    return out;
  }
  std::vector<Tensor> tensors(n);
  {
    py::gil_scoped_release unlocked;
    const std::uint64_t max_bytes = checked_element_count(schema_.shape, schema_.dtype, schema_.name) *
                                    dtype_size(schema_.dtype);
    run_split(*core_, n, n * max_bytes / 2, [&](Checkout& co, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) tensors[i] = co.get(schema_.name, keys[i]);
    });
  }
  py::list out;
  for (Tensor& t : tensors) out.append(tensor_to_array(std::move(t)));
  return out;
}

py::object PyColumn::get_batch(py::handle keys) const { return read_batch(keys_from_py(keys)); }

py::object PyColumn::get_batch_at(const KeyList& keys, py::handle indices) const {
  std::vector<Key> picked;
  py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> idx =
      py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(indices);
  if (!idx) throw py::type_error("indices must be a sequence of integers");
  picked.reserve(static_cast<std::size_t>(idx.size()));
  const std::int64_t* p = idx.data();
  for (py::ssize_t i = 0; i < idx.size(); ++i) picked.push_back(keys.at(p[i]));
  return read_batch(picked);
}

py::object PyColumn::read_at(const KeyList& keys, std::int64_t index) const {
  return read(key_to_py(keys.at(index)), py::none());
}

// ---- KeyList ----

KeyList KeyList::from_py(py::iterable keys) { return KeyList(keys_from_py(keys)); }

const Key& KeyList::at(std::int64_t index) const {
  const auto n = static_cast<std::int64_t>(keys_.size());
  const std::int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n)
    throw py::index_error("index " + std::to_string(index) + " is out of range for " +
                          std::to_string(n) + " samples");
  return keys_[static_cast<std::size_t>(i)];
}

py::list KeyList::to_list() const {
  py::list out;
  for (const Key& k : keys_) out.append(key_to_py(k));
  return out;
}

KeyList KeyList::of_columns(const std::vector<PyColumn>& columns, bool local_only) {
  if (columns.empty()) throw py::value_error("a dataset needs at least one column");
  for (const PyColumn& c : columns)
    if (c.nested())
      throw py::type_error("datasets read flat columns; column '" + c.name() + "' is nested");
  std::vector<Key> keys = columns[0].key_vector();
  py::gil_scoped_release unlocked;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (c == 0 && !local_only) continue;
    const PyColumn& column = columns[c];
    auto use = column.core()->use();
    std::vector<Key> kept;
    kept.reserve(keys.size());
    if (c == 0) {
      for (Key& k : keys)
        if (use->is_local(*use->find(column.name(), k))) kept.push_back(std::move(k));
    } else {
      for (Key& k : keys) {
        const std::optional<SampleRef> ref = use->find(column.name(), k);
        if (ref && (!local_only || use->is_local(*ref))) kept.push_back(std::move(k));
      }
    }
    keys.swap(kept);
  }
  return KeyList(std::move(keys));
}

}  // namespace hangar::python
