// compaction_output.h
#include "compaction_output.h"

#include <iomanip>
#include <sstream>
#include <string>

namespace hangar::cli {
namespace {

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::setprecision(3) << fraction * 100 << '%';
  return s.str();
}

}  // namespace

void add_threshold_option(CLI::App& cmd, double& threshold) {
  cmd.add_option("--threshold", threshold,
                 "compact the data segments and pack files whose live share is below F (0..1; "
                 "default 0.5); those without any live chunk are always deleted")
      ->check(CLI::Range(0.0, 1.0))
      ->type_name("F");
}

void add_compaction_json(Json& doc, const CompactionStats& c) {
  doc["threshold"] = c.threshold;
  doc["bytes_to_free"] = c.bytes_to_free;
  doc["containers_compacted"] = c.containers_compacted;
  doc["containers_emptied"] = c.containers_emptied;
  doc["garbage_containers"] = c.garbage_containers;
  doc["chunks_moved"] = c.chunks_moved;
  doc["bytes_moved"] = c.bytes_moved;
  doc["sparse_containers"] = c.sparse_containers;
  doc["sparse_dead_bytes"] = c.sparse_dead_bytes;
}

void print_compaction(std::ostream& out, const CompactionStats& c, bool dry_run) {
  const std::uint64_t deleted = c.containers_emptied + c.garbage_containers;
  if (c.containers_compacted > 0 || deleted > 0) {
    out << (dry_run ? "would compact " : "compacted ") << c.containers_compacted
        << " data segments/packs less than " << percent(c.threshold) << " live ("
        << (dry_run ? "moving " : "moved ") << c.chunks_moved << " chunks, "
        << human_bytes(c.bytes_moved) << ") and " << (dry_run ? "delete " : "deleted ") << deleted
        << " without a live chunk";
    if (c.garbage_containers > 0)
      out << " (" << c.garbage_containers << " left by an interrupted writer)";
    out << '\n';
  }
  if (dry_run) out << "would free about " << human_bytes(c.bytes_to_free) << " on disk\n";
  if (c.sparse_containers > 0)
    out << c.sparse_containers << " partly dead segments/packs ("
        << human_bytes(c.sparse_dead_bytes) << " dead) stay: at least " << percent(c.threshold)
        << " live; a higher --threshold compacts them\n";
}

}  // namespace hangar::cli
