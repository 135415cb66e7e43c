// Output helpers: one JSON document (nlohmann::ordered_json) or short git-like human text.
// The documents themselves are built by hangar_report (hangar/report/json.h).
#pragma once

#include <hangar/key.h>
#include <hangar/report/json.h>
#include <hangar/schema.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace hangar::cli {

using Json = report::Json;

// Writes `doc` as one JSON document (indented) followed by a newline.
void print_json(std::ostream& out, const Json& doc);

// "0 B", "512 B", "1.5 KiB", "12.0 MiB", ...
std::string human_bytes(std::uint64_t n);
// "1 file", "2 files", "0 files"; `many` defaults to `one` + "s" ("1 entry", "2 entries" needs
// it).
std::string plural(std::uint64_t n, std::string_view one, std::string_view many = {});

// The text up to the first newline (commit message subjects).
std::string first_line(const std::string& s);
// "images/17" or "images/17/3" (nested), quoting nothing: for human messages.
std::string sample_name(std::string_view column, const Key& key, const std::optional<Key>& subkey);

// "[64,64,3]", or "<=[64,64,3]" for a variable-shape column.
std::string shape_text(const ColumnSchema& schema);

// A left-aligned text table; columns are separated by two spaces, trailing blanks trimmed.
// Every listing of rows in human output goes through it (summary, column list and info, remote
// list). Without a header (an empty one) it prints only the rows.
class Table {
 public:
  explicit Table(std::vector<std::string> header = {}) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hangar::cli
