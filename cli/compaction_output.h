// gc and drop-data: the `--threshold` option and the report of segment/pack compaction
// (CompactionStats, decision 0013), as JSON fields and as human lines.
#pragma once

#include <hangar/maintenance.h>

#include <CLI/CLI.hpp>
#include <ostream>

#include "output.h"

namespace hangar::cli {

// Adds `--threshold F` (0..1; else a usage error, exit 2) writing into `threshold`.
void add_threshold_option(CLI::App& cmd, double& threshold);

// The compaction fields of the --json reports: threshold, bytes_to_free, containers_compacted,
// containers_emptied, garbage_containers, chunks_moved, bytes_moved, sparse_containers,
// sparse_dead_bytes.
void add_compaction_json(Json& doc, const CompactionStats& c);

// One or two lines saying what was (would be) compacted and what stays; nothing when there is
// nothing to say.
void print_compaction(std::ostream& out, const CompactionStats& c, bool dry_run);

}  // namespace hangar::cli
