// Output formatting: sizes, tables, tensor text, progress bar. (The --json documents are
// tested with hangar_report, in tests/unit/report.)
#include "output.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>

#include "progress.h"
#include "tensor_text.h"

namespace cli = hangar::cli;

namespace {
hangar::Bytes bytes_of(std::initializer_list<std::uint8_t> v) {
  hangar::Bytes b;
  for (auto x : v) b.push_back(static_cast<std::byte>(x));
  return b;
}
}  // namespace

TEST_CASE("Output: human byte sizes", "[cli][output]") {
  CHECK(cli::human_bytes(0) == "0 B");
  CHECK(cli::human_bytes(1023) == "1023 B");
  CHECK(cli::human_bytes(1536) == "1.5 KiB");
  CHECK(cli::human_bytes(12ull << 20) == "12.0 MiB");
}

TEST_CASE("Output: tables align columns and trim trailing blanks", "[cli][output]") {
  cli::Table t({"NAME", "COUNT"});
  t.add({"images", "10"});
  t.add({"y", ""});
  std::ostringstream out;
  t.print(out);
  CHECK(out.str() == "NAME    COUNT\nimages  10\ny\n");
  cli::Table rows;  // no header: only the rows
  rows.add({"origin", "http://h:1"});
  rows.add({"  origin/main", "abc"});
  std::ostringstream listed;
  rows.print(listed);
  CHECK(listed.str() == "origin         http://h:1\n  origin/main  abc\n");
}

TEST_CASE("Output: plural forms", "[cli][output]") {
  CHECK(cli::plural(0, "file") == "0 files");
  CHECK(cli::plural(1, "file") == "1 file");
  CHECK(cli::plural(2, "file") == "2 files");
  CHECK(cli::plural(1, "class", "classes") == "1 class");
  CHECK(cli::plural(3, "entry", "entries") == "3 entries");
}

TEST_CASE("Output: small tensors print like numpy", "[cli][output]") {
  const hangar::Tensor m(hangar::DType::UInt8, {2, 3}, bytes_of({1, 2, 3, 4, 50, 6}));
  CHECK(cli::describe_tensor(m) == "uint8 [2,3] (6 bytes)\n[[ 1  2  3]\n [ 4 50  6]]\n");
  const hangar::Tensor b(hangar::DType::Bool, {2}, bytes_of({1, 0}));
  CHECK(cli::describe_tensor(b) == "bool [2] (2 bytes)\n[ True False]\n");
  const hangar::Tensor cube(hangar::DType::Int8, {2, 1, 2}, bytes_of({1, 2, 3, 0xff}));
  CHECK(cli::describe_tensor(cube) == "int8 [2,1,2] (4 bytes)\n[[[ 1  2]]\n\n [[ 3 -1]]]\n");
  float values[2] = {1.0f, 2.5f};
  hangar::Bytes fb(sizeof(values));
  std::memcpy(fb.data(), values, sizeof(values));
  const hangar::Tensor f(hangar::DType::Float32, {2}, fb);
  CHECK(cli::describe_tensor(f) == "float32 [2] (8 bytes)\n[1.  2.5]\n");
  // float16 1, -2, 0.5: decimal points aligned as numpy does.
  const hangar::Tensor h(hangar::DType::Float16, {3},
                         bytes_of({0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38}));
  CHECK(cli::describe_tensor(h) == "float16 [3] (6 bytes)\n[ 1.  -2.   0.5]\n");
  CHECK(cli::tensor_values_json(m).dump() == "[[1,2,3],[4,50,6]]");
}

TEST_CASE("Output: large tensors print summarised like numpy", "[cli][output]") {
  // 0..1999 as uint16 [40,50]: numpy's threshold 1000 and edge items 3.
  hangar::Bytes data;
  for (std::uint16_t v = 0; v < 2000; ++v) {
    data.push_back(static_cast<std::byte>(v & 0xff));
    data.push_back(static_cast<std::byte>(v >> 8));
  }
  const hangar::Tensor big(hangar::DType::UInt16, {40, 50}, data);
  CHECK(cli::describe_tensor(big) ==
        "uint16 [40,50] (4000 bytes)\n"
        "[[   0    1    2 ...   47   48   49]\n"
        " [  50   51   52 ...   97   98   99]\n"
        " [ 100  101  102 ...  147  148  149]\n"
        " ...\n"
        " [1850 1851 1852 ... 1897 1898 1899]\n"
        " [1900 1901 1902 ... 1947 1948 1949]\n"
        " [1950 1951 1952 ... 1997 1998 1999]]\n");
  // 1000 elements are printed in full, 1001 are not.
  const hangar::Tensor full(hangar::DType::UInt8, {1000});
  CHECK(cli::describe_tensor(full).find("...") == std::string::npos);
  const hangar::Tensor over(hangar::DType::UInt8, {1001});
  CHECK(cli::describe_tensor(over) == "uint8 [1001] (1001 bytes)\n[0 0 0 ... 0 0 0]\n");
  const hangar::Tensor scalar(hangar::DType::Int64, {}, hangar::Bytes(8, std::byte{0}));
  CHECK(cli::describe_tensor(scalar) == "int64 [] (8 bytes)\n0\n");
}

TEST_CASE("Output: a disabled progress bar writes nothing", "[cli][output]") {
  std::ostringstream err;
  {
    cli::Progress p("import", false, err);
    CHECK_FALSE(static_cast<bool>(p.callback()));
    p.update(5, 10);
  }
  CHECK(err.str().empty());
  std::ostringstream shown;
  {
    cli::Progress p("import", true, shown);
    p.update(5, 10);
  }
  // Drawn, then drawn again and ended; each draw clears the rest of the line.
  const std::string bar = "\rimport [###############...............] 5/10";
  const std::string text = shown.str();
  CHECK(text.rfind(bar, 0) == 0);
  CHECK(text.find(bar, 1) != std::string::npos);
  CHECK(text.substr(text.size() - 4) == "\x1b[K\n");
  CHECK(cli::Progress::render("x", 5, 10) == "x [###############...............] 5/10");
}

TEST_CASE("Output: progress shows the rate and the time left, in items or bytes", "[cli][output]") {
  CHECK(cli::Progress::render("x", 5, 10, 2.0) ==
        "x [###############...............] 5/10  2.5/s  ETA 0:02");
  CHECK(cli::Progress::render("x", 300, 1200, 10.0) ==
        "x [#######.......................] 300/1200  30/s  ETA 0:30");
  CHECK(cli::Progress::render("x", 10, 10, 4.0) ==
        "x [##############################] 10/10  2.5/s");
  CHECK(cli::Progress::render("fsck", 1u << 20, 4u << 20, 0.5, cli::ProgressUnit::Bytes) ==
        "fsck [#######.......................] 1.0 MiB/4.0 MiB  2.0 MiB/s  ETA 0:02");
  CHECK(cli::Progress::render("x", 1, 100000, 1.0) ==
        "x [..............................] 1/100000  1.0/s  ETA 27:46:39");
}
