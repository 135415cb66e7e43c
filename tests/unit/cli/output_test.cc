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

TEST_CASE("Output: large tensors print only dtype, shape and size", "[cli][output]") {
  const hangar::Tensor big(hangar::DType::UInt16, {64, 64});
  CHECK(cli::describe_tensor(big) == "uint16 [64,64] (8192 bytes)\n");
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
  const std::string bar = cli::Progress::render("import", 5, 10);
  CHECK(shown.str() == "\r" + bar + "\r" + bar + "\n");
  CHECK(cli::Progress::render("x", 5, 10) == "x [###############...............] 5/10");
}
