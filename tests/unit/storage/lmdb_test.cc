// lmdb RAII: txn commit/abort, snapshots, cursors and ranges, map growth, error mapping.
#include <hangar/error.h>
#include <hangar/storage/lmdb.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "lmdb_space.h"
#include "support/storage_temp_dir.h"
#include "support/test_util.h"

using namespace hangar::storage;
using hangar::as_bytes;
using hangar::as_string_view;
using hangar::code_of;
using hangar::ErrorCode;

namespace {
std::string value_of(const lmdb::Txn& txn, const lmdb::Table& t, std::string_view key) {
  auto v = txn.get(t, as_bytes(key));
  return v ? std::string(as_string_view(*v)) : std::string("<absent>");
}
lmdb::EnvOptions fast() {
  lmdb::EnvOptions o;
  o.no_sync = true;
  return o;
}
}  // namespace

TEST_CASE("Lmdb: commit persists and abort discards", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  {
    auto env = lmdb::Env::open(dir.path() / "env", {"a", "b"});
    auto a = env.table("a");
    {
      auto txn = env.begin_write();
      txn.put(a, as_bytes("k1"), as_bytes("v1"));
      txn.commit();
      CHECK_FALSE(txn.is_active());
    }
    {
      auto txn = env.begin_write();
      txn.put(a, as_bytes("k2"), as_bytes("v2"));
    }  // destructor aborts
    auto r = env.begin_read();
    CHECK(value_of(r, a, "k1") == "v1");
    CHECK(value_of(r, a, "k2") == "<absent>");
    CHECK(r.count(a) == 1);
    CHECK(r.count(env.table("b")) == 0);
    CHECK(code_of([&] { env.table("nope"); }) == ErrorCode::Internal);
  }
  auto env = lmdb::Env::open(dir.path() / "env", {"a", "b"});
  CHECK(value_of(env.begin_read(), env.table("a"), "k1") == "v1");
}

TEST_CASE("Lmdb: put_if_absent, del, clear and key limits", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  auto env = lmdb::Env::open(dir.path(), {"t"}, fast());
  auto t = env.table("t");
  auto txn = env.begin_write();
  CHECK(txn.put_if_absent(t, as_bytes("k"), as_bytes("1")));
  CHECK_FALSE(txn.put_if_absent(t, as_bytes("k"), as_bytes("2")));
  CHECK(value_of(txn, t, "k") == "1");
  auto reserved = txn.put_reserve(t, as_bytes("r"), 3);
  REQUIRE(reserved.size() == 3);
  std::memcpy(reserved.data(), "xyz", 3);
  CHECK(value_of(txn, t, "r") == "xyz");
  CHECK(txn.del(t, as_bytes("k")));
  CHECK_FALSE(txn.del(t, as_bytes("k")));
  std::string max_key(lmdb::kMaxKeySize, 'k');
  txn.put(t, as_bytes(max_key), as_bytes("ok"));
  CHECK(value_of(txn, t, max_key) == "ok");
  CHECK(code_of([&] { txn.put(t, as_bytes(max_key + "k"), as_bytes("x")); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([&] { txn.get(t, {}); }) == ErrorCode::InvalidArgument);
  CHECK(txn.count(t) == 2);
  txn.clear(t);
  CHECK(txn.count(t) == 0);
  txn.commit();
  CHECK(code_of([&] { txn.commit(); }) == ErrorCode::Internal);
}

TEST_CASE("Lmdb: read txns see a snapshot until refreshed", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  auto env = lmdb::Env::open(dir.path(), {"t"}, fast());
  auto t = env.table("t");
  env.write([&](lmdb::WriteTxn& w) { w.put(t, as_bytes("k"), as_bytes("old")); });
  auto r = env.begin_read();
  CHECK(value_of(r, t, "k") == "old");
  env.write([&](lmdb::WriteTxn& w) { w.put(t, as_bytes("k"), as_bytes("new")); });
  CHECK(value_of(r, t, "k") == "old");
  r.reset();
  CHECK(r.is_reset());
  CHECK(code_of([&] { r.get(t, as_bytes("k")); }) == ErrorCode::Internal);
  r.renew();
  CHECK(value_of(r, t, "k") == "new");
  env.write([&](lmdb::WriteTxn& w) { w.put(t, as_bytes("k"), as_bytes("newer")); });
  r.refresh();
  CHECK(value_of(r, t, "k") == "newer");
  lmdb::ReadTxn moved = std::move(r);
  CHECK_FALSE(r.is_active());
  CHECK(value_of(moved, t, "k") == "newer");
}

TEST_CASE("Lmdb: cursor seek and range helpers", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  auto env = lmdb::Env::open(dir.path(), {"t"}, fast());
  auto t = env.table("t");
  env.write([&](lmdb::WriteTxn& w) {
    for (std::string k : {"a", "ab", "abc", "b", "ba", "c"}) w.put(t, as_bytes(k), as_bytes(k));
  });
  auto r = env.begin_read();
  auto keys = [](lmdb::Range rg) {
    std::string out;
    for (auto [k, v] : rg) {
      out += std::string(as_string_view(k)) + ",";
      CHECK(as_string_view(k) == as_string_view(v));
    }
    return out;
  };
  CHECK(keys(lmdb::range(r, t)) == "a,ab,abc,b,ba,c,");
  CHECK(keys(lmdb::range(r, t, as_bytes("ab"), as_bytes("ba"))) == "ab,abc,b,");
  CHECK(keys(lmdb::range(r, t, as_bytes("bb"))) == "c,");
  CHECK(keys(lmdb::range(r, t, as_bytes("d"))).empty());
  CHECK(keys(lmdb::prefix_range(r, t, as_bytes("ab"))) == "ab,abc,");
  CHECK(keys(lmdb::prefix_range(r, t, as_bytes("b"))) == "b,ba,");
  CHECK(keys(lmdb::prefix_range(r, t, as_bytes("x"))).empty());
  auto c = r.cursor(t);
  auto e = c.seek(as_bytes("abd"));
  REQUIRE(e);
  CHECK(as_string_view(e->key) == "b");
  e = c.prev();
  REQUIRE(e);
  CHECK(as_string_view(e->key) == "abc");
  e = c.last();
  REQUIRE(e);
  CHECK(as_string_view(e->key) == "c");
  CHECK_FALSE(c.next().has_value());
}

TEST_CASE("Lmdb: a full map grows once, else NoSpace", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  lmdb::EnvOptions o = fast();
  o.map_size = 1 << 20;
  o.auto_grow = true;
  auto env = lmdb::Env::open(dir.path(), {"t"}, o);
  auto t = env.table("t");
  const std::string value(300 * 1024, 'v');
  {
    auto w = env.begin_write();
    w.put(t, as_bytes("0"), as_bytes(value));
    w.put(t, as_bytes("1"), as_bytes(value));
    w.put(t, as_bytes("2"), as_bytes(value));
    CHECK(code_of([&] { w.put(t, as_bytes("3"), as_bytes(value)); }) == ErrorCode::NoSpace);
  }
  env.write([&](lmdb::WriteTxn& w) {  // grows 1 MiB -> 2 MiB and replays
    for (std::string k : {"0", "1", "2", "3"}) w.put(t, as_bytes(k), as_bytes(value));
  });
  CHECK(env.map_size() >= (2u << 20));
  CHECK(env.begin_read().count(t) == 4);
  CHECK(code_of([&] {
          env.write([&](lmdb::WriteTxn& w) {
            for (int i = 0; i < 40; ++i)
              w.put(t, as_bytes(std::to_string(i) + "x"), as_bytes(value));
          });
        }) == ErrorCode::NoSpace);
  CHECK(env.begin_read().count(t) == 4);  // the failed batch left nothing behind
  lmdb::EnvOptions fixed = fast();
  fixed.map_size = 1 << 20;
  auto small = lmdb::Env::open(dir.path() / "fixed", {"t"}, fixed);
  CHECK(code_of([&] {
          small.write([&](lmdb::WriteTxn& w) {
            for (std::string k : {"0", "1", "2", "3"})
              w.put(small.table("t"), as_bytes(k), as_bytes(value));
          });
        }) == ErrorCode::NoSpace);
  CHECK(small.map_size() < (2u << 20));
}

TEST_CASE("Lmdb: large values round-trip", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  auto env = lmdb::Env::open(dir.path(), {"t"}, fast());
  auto t = env.table("t");
  std::string big(40u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  env.write([&](lmdb::WriteTxn& w) { w.put(t, as_bytes("big"), as_bytes(big)); });
  auto r = env.begin_read();
  auto v = r.get(t, as_bytes("big"));
  REQUIRE(v);
  CHECK(v->size() == big.size());
  CHECK(as_string_view(*v) == big);
}

TEST_CASE("Lmdb: check maps LMDB codes to error codes", "[storage][lmdb]") {
  CHECK_NOTHROW(lmdb::check(0, "mdb_put", "x"));
  CHECK(code_of([] { lmdb::check(MDB_MAP_FULL, "mdb_put", "x"); }) == ErrorCode::NoSpace);
  CHECK(code_of([] { lmdb::check(ENOSPC, "mdb_put", "x"); }) == ErrorCode::NoSpace);
  CHECK(code_of([] { lmdb::check(MDB_CORRUPTED, "mdb_get", "x"); }) == ErrorCode::Corrupt);
  CHECK(code_of([] { lmdb::check(MDB_PAGE_NOTFOUND, "mdb_get", "x"); }) == ErrorCode::Corrupt);
  CHECK(code_of([] { lmdb::check(MDB_INVALID, "mdb_env_open", "x"); }) == ErrorCode::Corrupt);
  CHECK(code_of([] { lmdb::check(EIO, "mdb_get", "x"); }) == ErrorCode::Io);
  try {
    lmdb::check(MDB_READERS_FULL, "mdb_txn_begin", "lmdb env '/r'");
  } catch (const hangar::Error& e) {
    CHECK(std::string(e.what()).find("mdb_txn_begin failed for lmdb env '/r': MDB_READERS_FULL") ==
          0);
  }
}

TEST_CASE("Lmdb: read-only open reads while another process writes", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  const auto path = dir.path() / "env";
  {
    auto env = lmdb::Env::open(path, {"t"});
    env.write([&](lmdb::WriteTxn& w) { w.put(env.table("t"), as_bytes("k"), as_bytes("v1")); });
  }
  CHECK(code_of([&] { lmdb::Env::open(dir.path() / "missing", {"t"}, {.read_only = true}); }) ==
        ErrorCode::NotFound);
  lmdb::EnvOptions ro;
  ro.read_only = true;
  CHECK(code_of([&] { lmdb::Env::open(path, {"t", "other"}, ro); }) == ErrorCode::NotFound);
  auto env = lmdb::Env::open(path, {"t"}, ro);
  auto t = env.table("t");
  CHECK(env.is_read_only());
  CHECK(code_of([&] { env.begin_write(); }) == ErrorCode::Internal);
  auto snapshot = env.begin_read();
  CHECK(value_of(snapshot, t, "k") == "v1");

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // child: its own writable open; never touches the parent's env
    int rc = 1;
    try {
      auto w = lmdb::Env::open(path, {"t"});
      w.write([&](lmdb::WriteTxn& txn) { txn.put(w.table("t"), as_bytes("k"), as_bytes("v2")); });
      rc = 0;
    } catch (...) {
    }
    ::_exit(rc);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(value_of(snapshot, t, "k") == "v1");  // MVCC: the old snapshot is intact
  CHECK(value_of(env.begin_read(), t, "k") == "v2");
}

// A full disk must be an error, not a SIGBUS in mdb_env_open (tests/cli/full_disk.sh): Env::open
// gives lock.mdb its blocks first, at exactly the size LMDB would make it, so that another
// process never sees a reader table of another length.
TEST_CASE("Lmdb: the lock file is preallocated at LMDB's own size", "[storage][lmdb]") {
  hangar::testing::StorageTempDir dir;
  for (unsigned readers : {1u, 2u, 126u, 254u, 1000u}) {
    const auto plain = dir.path() / ("plain" + std::to_string(readers));
    std::filesystem::create_directories(plain);
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxreaders(env, readers) == 0);
    REQUIRE(mdb_env_open(env, plain.c_str(), MDB_NOTLS, 0644) == 0);
    mdb_env_close(env);
    CHECK(std::filesystem::file_size(plain / "lock.mdb") == lmdb::detail::lock_file_size(readers));

    const auto ours = dir.path() / ("ours" + std::to_string(readers));
    lmdb::EnvOptions o = fast();
    o.max_readers = readers;
    lmdb::Env e = lmdb::Env::open(ours, {"t"}, o);
    unsigned got = 0;
    REQUIRE(mdb_env_get_maxreaders(e.handle(), &got) == 0);
    CHECK(got == readers);
    struct stat st {};
    REQUIRE(::stat((ours / "lock.mdb").c_str(), &st) == 0);
    CHECK(static_cast<std::uint64_t>(st.st_size) == lmdb::detail::lock_file_size(readers));
    CHECK(static_cast<std::uint64_t>(st.st_blocks) * 512 >= lmdb::detail::lock_file_size(readers));
  }
}
