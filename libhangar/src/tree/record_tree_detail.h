// Helpers shared by the record-tree sources (record_tree*.cc); not for other modules.
#pragma once

#include "tree/record_page.h"
#include "tree/record_tree.h"

namespace hangar::detail {

// Reads page `id` and parses its header; the decoder sits before the first entry. When
// `expected_level` >= 0 the page must be at that level (a child is one below its parent),
// which also rules out cycles in a corrupt store. Throws: NotFound, Corrupt, Unsupported.
PageDecoder open_page(PageStore& store, const Digest& id, int expected_level);

// Throws Corrupt unless a child's first key (`child` positioned at its first entry) equals
// the key its parent's entry gives it.
void check_first_key(const PageDecoder& child, ByteView parent_key);

}  // namespace hangar::detail
