// Record keys: how (key, subkey) of a column is encoded in its record tree and staging area.
// Private to libhangar.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/key.h>
#include <hangar/schema.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace hangar::detail {

// Longest record key (key encoding + subkey encoding); see record_key().
constexpr std::size_t kMaxRecordKeyBytes = 446;

// The record key of (key, subkey) for a column of `layout`. Throws InvalidArgument when a
// subkey is given for a flat column or missing for a nested one, or when the pair encodes to
// more than kMaxRecordKeyBytes.
Bytes record_key(const ColumnSchema& schema, const Key& key, const std::optional<Key>& subkey);
// The inverse of record_key(). Throws: Corrupt.
std::pair<Key, std::optional<Key>> split_record_key(const ColumnSchema& schema, ByteView rk);
// "'images'/'boot/00017'" for messages.
std::string sample_name(const std::string& column, const Key& key, const std::optional<Key>& sub);

}  // namespace hangar::detail
