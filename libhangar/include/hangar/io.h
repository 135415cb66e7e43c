// Import folders of images / .npy files into a column, and export a column back to files.
#pragma once

#include <hangar/key.h>
#include <hangar/repository.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hangar {

// Called with (done, total) as work progresses; may be empty.
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Default per-file limit of import: a file whose header declares a larger decoded tensor (or
// that is itself larger) is refused before anything is allocated. 1 GiB holds a 256-Mpixel
// RGBA8 photo (358 Mpixel RGB), far beyond any camera's.
inline constexpr std::uint64_t kDefaultMaxSampleBytes = std::uint64_t{1} << 30;
// Default bound on what import's decoder threads hold at once (file bytes + declared decoded
// bytes of the files being decoded or waiting to be staged). The file the writer needs next
// may always go over it, so one file larger than the budget still imports.
inline constexpr std::uint64_t kDefaultImportBudget = std::uint64_t{2} << 30;

// A folder entry import skipped: not a regular file or folder, or one it cannot look at.
struct SkippedEntry {
  std::filesystem::path path;
  std::string reason;  // "a FIFO", "a dangling symbolic link", "a symbolic link loop", ...
};

struct ImportOptions {
  std::string column;
  std::filesystem::path path;                // a folder (or a single file)
  bool recursive = false;                    // walk sub-folders; implied by labels_column
  std::optional<std::string> labels_column;  // int64 scalar column of class ids
  // An existing labels column gains the class folders it does not know: their names, sorted,
  // get the ids after its old ones (a staged schema change). Without it they are an error.
  bool add_classes = false;
  unsigned jobs = 1;  // decoder threads
  ProgressFn progress;
  std::uint64_t max_sample_bytes = kDefaultMaxSampleBytes;   // per file, see above
  std::uint64_t max_bytes_in_flight = kDefaultImportBudget;  // all decoder threads together
  // Told of each skipped entry as the folder is listed (before anything is staged).
  std::function<void(const SkippedEntry&)> on_skip;
};

struct ImportResult {
  std::uint64_t files = 0;                 // samples staged
  std::uint64_t raw_bytes = 0;             // decoded tensor bytes
  std::uint64_t file_bytes = 0;            // bytes read from disk
  std::uint64_t new_chunks = 0;            // chunks not already in the repository
  std::vector<std::string> classes;        // label names in id order, when labels_column is set
  std::vector<std::string> added_classes;  // of those, the ones add_classes appended
  std::uint64_t skipped = 0;               // entries skipped (ImportOptions::on_skip)
  // Regular files without a .png/.jpg/.jpeg/.npy extension, left out; the first
  // kIgnoredExamples of them (relative to the folder imported, in listing order).
  std::uint64_t ignored = 0;
  std::vector<std::string> ignored_examples;
  std::uint64_t peak_bytes_in_flight = 0;  // the most the decoder threads held at once
};

// How many of the files import leaves out it names (ImportResult::ignored_examples).
inline constexpr std::uint64_t kIgnoredExamples = 5;

// New chunks from which an import compacts the location index (import_files).
inline constexpr std::uint64_t kCompactIndexAfter = 65536;

// Stages every .png/.jpg/.jpeg/.npy under `path` into `column` (created from the first file
// when it does not exist). Keys are the paths relative to `path` without extension
// ("cat/00017"). With labels_column, the first path segment is the class: sorted class names
// become ids 0..n-1, stored under the same keys, names kept in the column's attributes
// ("classes", newline-separated). REQUIRES: repo opened for Write.
// Entries that are neither regular files nor folders (FIFOs, sockets, devices, dangling
// symbolic links, symbolic link loops) are skipped, each told to on_skip and counted; regular
// files without an image extension are ignored (counted, the first few named); a file with one that
// cannot be read or decoded stops the import (as does a sub-folder that cannot be listed). A file
// whose header declares more than max_sample_bytes decoded (or that is larger) is refused before it
// is decoded. An import that added at least kCompactIndexAfter new chunks, and at least a quarter
// of the chunks the repository holds, ends by laying the chunk location index out in key order
// again when no other process has the repository open (storage::Chunks::compact_index: whole-column
// reads of the new samples then read the index forward; the copy is proportional to what was
// imported).
// Atomic: on any error nothing is staged. Throws: InvalidArgument naming the file (and the
// limit; a file of the column's dtype and rank but another size says how to create a column of
// variable shape; class folders an existing labels column lacks, without add_classes: an
// AddClasses hint), NotFound (path), Io, NoSpace, Interrupted ("interrupted; the import was rolled
// back, ...").
ImportResult import_files(Repository& repo, const ImportOptions& options);

enum class ExportFormat { Auto, Png, Npy };

struct ExportOptions {
  std::string column;
  std::filesystem::path dir;
  std::optional<Digest> commit;              // nullopt: the staged view
  ExportFormat format = ExportFormat::Auto;  // Auto: png for uint8/uint16 images, else npy
  std::vector<Key> keys;                     // empty: every key
  bool require_all = false;  // fail when a sample is not local instead of skipping it
  unsigned jobs = 0;         // encoder threads; 0: one per core
  ProgressFn progress;
};

struct ExportResult {
  std::uint64_t written = 0;
  std::uint64_t skipped_not_local = 0;
  std::uint64_t bytes = 0;       // decoded bytes of the samples written
  std::uint64_t file_bytes = 0;  // bytes of the files written
};

// Writes one file per sample: <dir>/<key>.<png|npy> (nested: <dir>/<key>/<subkey>.<ext>),
// creating sub-folders for '/' in keys. Throws: NotFound, InvalidArgument (format does not fit
// the dtype/shape), NotLocal (require_all), Io, Interrupted (every file written is whole).
ExportResult export_column(const Repository& repo, const ExportOptions& options);

// Reads one .png/.jpg/.jpeg/.npy file into a tensor. Throws: InvalidArgument, NotFound, Io.
Tensor read_tensor_file(const std::filesystem::path& file);
// Writes a tensor as .npy or .png according to the extension of `file`; returns the file's size
// in bytes. Throws: InvalidArgument, Io.
std::uint64_t write_tensor_file(const std::filesystem::path& file, const TensorView& tensor);

}  // namespace hangar
