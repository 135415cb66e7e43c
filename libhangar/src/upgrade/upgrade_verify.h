// The verification of a converted repository before it replaces the format-1 one: every commit's
// parents and metadata, every column's schema and totals, every record of every commit
// (key, size) and every sample's bytes re-read from the new repository and compared with the
// format-1 bytes, every ref and HEAD, then fsck of the new repository.
#pragma once

#include <hangar/io.h>
#include <hangar/repository.h>

#include "format1/repo1.h"
#include "upgrade/upgrade_convert.h"
#include "upgrade/upgrade_scan.h"

namespace hangar::upgrade {

// `progress(done)` is called after each commit. Throws: Corrupt naming the first difference
// (the upgrade then changes nothing), Interrupted, Io.
void verify_upgrade(format1::Repo1& old, const History1& history, Converter& converter,
                    const Repository& repo, const std::function<void(std::uint64_t)>& progress);

}  // namespace hangar::upgrade
