// format1_stage DOT COLUMN: gives the format-1 repository whose .hangar folder is DOT a staged
// change (column COLUMN staged as deleted: staged_columns[COLUMN] = 02, format 1's
// repo-layout.md), which no format-2 hangar can make, so that tests/cli/upgrade.sh can check that
// `hangar upgrade` refuses staged work and changes nothing.
#include <hangar/error.h>
#include <hangar/storage/lmdb.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: format1_stage DOT COLUMN\n");
    return 2;
  }
  try {
    namespace lmdb = hangar::storage::lmdb;
    const std::vector<std::string> tables = {"objects", "refs", "staged_columns", "staged_samples"};
    lmdb::Env env = lmdb::Env::open(std::string(argv[1]) + "/meta", tables);
    const std::string column = argv[2];
    const std::byte deleted[] = {std::byte{0x02}};
    env.write([&](lmdb::WriteTxn& txn) {
      txn.put(env.table("staged_columns"), hangar::as_bytes(column), deleted);
    });
  } catch (const hangar::Error& e) {
    std::fprintf(stderr, "format1_stage: %s\n", e.what());
    return 3;
  }
  return 0;
}
