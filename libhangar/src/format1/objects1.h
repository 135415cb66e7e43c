// Format-1 objects: commits, column schemas and sample descriptors, decoded exactly as format 1
// specifies them (docs/format/objects.md at commit d7c92b1): a kind byte, object format version
// 1, LEB128 varints, 16-byte XXH3-128 digests. Fields keep format 1's raw codes (dtype, layout,
// backend choice); the upgrade maps them onto today's types. Part of the frozen format-1 reader.
#pragma once

#include <hangar/base/bytes.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format1/digest1.h"

namespace hangar::format1 {

struct Column1 {
  std::string name;
  Digest1 schema;
  Digest1 records;  // all-zero: the empty tree
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
};

struct Commit1 {
  std::vector<Digest1> parents;  // 0, 1 or 2; the first is the branch merged into
  std::vector<Column1> columns;  // strictly increasing by name
  std::string author;
  std::string email;
  std::int64_t time = 0;
  std::string message;
};

struct Schema1 {
  std::string name;
  std::uint8_t dtype = 0;  // dtype code 1..12
  std::vector<std::uint64_t> shape;
  bool variable_shape = false;
  std::uint8_t layout = 1;   // 1 flat, 2 nested
  std::uint8_t backend = 0;  // 0 auto, 1 lmdb, 2 hdf5
  std::uint8_t compression_level = 3;
  std::map<std::string, std::string> attributes;
};

struct Descriptor1 {
  std::uint8_t dtype = 0;
  std::vector<std::uint64_t> shape;
  std::vector<std::uint64_t> chunk_shape;  // the grid rule's choice (checked)
  std::vector<Digest1> chunks;             // one per grid block, row-major
};

// Element size of a format-1 dtype code; 0 for a code format 1 does not define.
std::size_t dtype1_size(std::uint8_t code) noexcept;

// Each checks the kind and version bytes, every count and length against its cap and the bytes
// left, field order and uniqueness, and that nothing trails. `id` names the object in messages.
// Throws: Corrupt "corrupt commit 3fa2c1d0e5f6: field 'parents': ...", Unsupported (a
// version above 1).
Commit1 decode_commit1(const Digest1& id, ByteView bytes);
Schema1 decode_schema1(const Digest1& id, ByteView bytes);
Descriptor1 decode_descriptor1(const Digest1& id, ByteView bytes);

}  // namespace hangar::format1
