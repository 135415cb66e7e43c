// Parsing of command-line values (sizes, shapes, dtypes, keys) for the hangar CLI.
// Malformed values throw UsageError, which main() maps to exit code 2.
#pragma once

#include <hangar/dtype.h>
#include <hangar/io.h>
#include <hangar/key.h>
#include <hangar/schema.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::cli {

// A command line the user must fix (bad option value): exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "1024", "200M", "1.5G", "64KiB", "2TB": binary units (K = 1024). Throws: UsageError.
std::uint64_t parse_size(std::string_view text);
// "10%", "2.5 %": the percentage (0 < p <= 100); nullopt when `text` does not end in '%'.
// Throws: UsageError (a bad number, or outside (0, 100]).
std::optional<double> parse_percent(std::string_view text);
// "64,64,3", "[64, 64, 3]", "(5,)"; "" or "scalar" is a scalar ([]). Throws: UsageError.
Shape parse_shape(std::string_view text);
// numpy dtype names ("uint8", "float32", "f4", ...). Throws: UsageError listing valid names.
DType parse_dtype_arg(std::string_view text);
// "auto" | "lmdb" | "hdf5". Throws: UsageError.
BackendChoice parse_backend_arg(std::string_view text);
// "png" | "npy" | "auto". Throws: UsageError.
ExportFormat parse_format_arg(std::string_view text);
// One sample key as typed on the command line: canonical decimals are integer keys.
// An invalid key (e.g. with a '..' segment) is bad input, not bad usage: throws hangar::Error
// (InvalidArgument) from the library's key rules.
Key parse_key(std::string_view text);
// The values of --keys: each may list several keys separated by ','; "\," is a comma inside
// a key (keys may hold ',' but never '\'). Returns the keys' texts in order; an empty one is
// a UsageError.
std::vector<std::string> split_key_list(const std::vector<std::string>& values);
// A list of keys; an empty list is a UsageError naming `what`.
std::vector<Key> parse_keys(const std::vector<std::string>& texts, std::string_view what);
// The optional --subkey value.
std::optional<Key> parse_subkey(const std::optional<std::string>& text);

}  // namespace hangar::cli
