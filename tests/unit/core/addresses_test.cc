// Content addresses end to end: what import stores is named by the SHA-256 of its
// bytes -- a chunk by its raw bytes, every object (commit, schema, descriptor, record page) by
// its canonical encoding -- checked against OpenSSL directly and against known answers.
#include <hangar/io.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <string>

#include "support/storage_temp_dir.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using Mode = Repository::Mode;

// SHA-256 straight from OpenSSL, not through hangar's digest_of.
std::string openssl_sha256_hex(ByteView b) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  REQUIRE(EVP_Digest(b.data(), b.size(), md, &n, EVP_sha256(), nullptr) == 1);
  REQUIRE(n == 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xF]);
  }
  return out;
}

TEST_CASE("Addresses: import names chunks and objects by the SHA-256 of their bytes",
          "[core][digest]") {
  testing::StorageTempDir dir{"addresses"};
  const fs::path root = dir / "repo", files = dir / "files";
  fs::create_directories(files);
  // A uint8 [3] tensor whose bytes are "abc": its one chunk is SHA-256("abc").
  Tensor abc(DType::UInt8, {3});
  abc.mutable_data()[0] = std::byte{'a'};
  abc.mutable_data()[1] = std::byte{'b'};
  abc.mutable_data()[2] = std::byte{'c'};
  write_tensor_file(files / "abc.npy", abc.view());
  Repository::init(root, {"Test", "test@example.org"});
  Repository repo = Repository::open(root, Mode::Write);
  ImportOptions o;
  o.column = "letters";
  o.path = files;
  import_files(repo, o);
  const Digest head = repo.commit("abc");

  const Checkout view = repo.checkout_at(head);
  const auto ref = view.find("letters", Key(std::string("abc")));
  REQUIRE(ref);
  transfer::HistoryReader history(repo);
  const std::vector<Digest> chunks = history.sample_chunks(ref->sample);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  // Every object of the commit's history: its id is the SHA-256 of its stored bytes.
  const Digest wants[] = {head};
  const auto plan = history.plan_history(history.commits_between(wants, {}));
  // Commit, schema, a leaf page: the sample is of one chunk, inline in its record (no
  // descriptor object).
  CHECK(ref->sample.is_inline());
  REQUIRE(plan.size() == 3);
  std::size_t checked = 0;
  for (const auto& obj : plan) {
    const auto found = history.find_object(obj.id);
    REQUIRE(found);
    CHECK(found->first == obj.type);
    CHECK(openssl_sha256_hex(found->second) == obj.id.hex());
    ++checked;
  }
  CHECK(checked == plan.size());
  CHECK(head.hex().size() == 64);
}

}  // namespace
}  // namespace hangar
