// Repository::put_region: a region write to a large sample re-stores only the chunks it touches.
#include <hangar/error.h>
#include <hangar/repository.h>

#include "model/chunked_io.h"
#include "model/record_key.h"
#include "repo/repo_state.h"
#include "repo/stage_batch.h"

namespace hangar {

void Repository::put_region(std::string_view column, const Key& key,
                            const std::optional<Key>& subkey, const Shape& origin,
                            const TensorView& patch) {
  state_->require_write();
  const std::string col(column);
  const std::string name = detail::sample_name(col, key, subkey);
  ColumnSchema schema;
  Descriptor old;
  {
    const Checkout view = staged_view();  // the sample as the next commit would hold it
    schema = view.schema(column);
    const auto ref = view.find(column, key, subkey);
    if (!ref)
      fail(ErrorCode::NotFound,
           "no sample " + name + " to write a region into; put the whole " + "sample first");
    auto txn = state_->meta.begin_read();
    old = state_->descriptor_of(txn, ref->sample);
  }
  Bytes rk = detail::record_key(schema, key, subkey);
  std::vector<std::pair<Bytes, PreparedSample>> batch;
  try {
    auto reader = state_->chunks.reader();
    batch.emplace_back(std::move(rk),
                       patch_sample(reader, old, origin, patch, schema.compression_level));
  } catch (const Error& e) {
    throw e.with_context("cannot write a region of " + name);
  }
  stage_samples(*state_, col, batch);
}

}  // namespace hangar
