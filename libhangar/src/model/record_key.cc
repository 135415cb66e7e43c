// Record keys of (key, subkey) pairs.
#include "model/record_key.h"

#include <hangar/error.h>

namespace hangar::detail {

Bytes record_key(const ColumnSchema& schema, const Key& key, const std::optional<Key>& subkey) {
  if (schema.layout == Layout::Flat && subkey)
    fail(ErrorCode::InvalidArgument,
         "column '" + schema.name + "' is flat; a subkey is only for nested columns");
  if (schema.layout == Layout::Nested && !subkey)
    fail(ErrorCode::InvalidArgument, "column '" + schema.name +
                                         "' is nested; give a subkey (--subkey) for key '" +
                                         key.to_string() + "'");
  Bytes out = key.encoded();
  if (subkey) subkey->append_encoded(out);
  // Staged samples are keyed by column name + 0x00 + this record key in LMDB, whose keys hold
  // at most 511 bytes: 64 (name) + 1 + 446. Only nested keys can reach the limit.
  if (out.size() > kMaxRecordKeyBytes)
    fail(ErrorCode::InvalidArgument,
         "key '" + key.to_string() + "' and subkey of column '" + schema.name +
             "' are too long together (" + std::to_string(out.size()) +
             " encoded bytes, at most 446: about 440 characters for both); use shorter keys");
  return out;
}

std::pair<Key, std::optional<Key>> split_record_key(const ColumnSchema& schema, ByteView rk) {
  Key k = Key::decode_front(rk);
  std::optional<Key> sub;
  if (schema.layout == Layout::Nested) sub = Key::decode_front(rk);
  if (!rk.empty()) fail(ErrorCode::Corrupt, "corrupt record key in column '" + schema.name + "'");
  return {std::move(k), std::move(sub)};
}

std::string sample_name(const std::string& column, const Key& key, const std::optional<Key>& sub) {
  std::string s = "'" + column + "'/'" + key.to_string() + "'";
  if (sub) s += "/'" + sub->to_string() + "'";
  return s;
}

}  // namespace hangar::detail
