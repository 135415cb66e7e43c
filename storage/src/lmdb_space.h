// LMDB on a full filesystem (private to storage/src/lmdb.cc). LMDB maps lock.mdb and writes
// its reader table through that map: on a full filesystem the first store into a page without
// blocks kills the process with SIGBUS, so Env::open allocates the file's blocks first and a
// full disk becomes an error. LMDB reports a short write of a commit as EIO, which on a full
// filesystem means ENOSPC. After such a commit the pages it wrote past the last committed one
// take the space a rollback needs: give_back_tail() returns them.
#pragma once

#include <cstdint>
#include <filesystem>

struct MDB_env;

namespace hangar::storage::lmdb::detail {

// The size LMDB 0.9 gives lock.mdb for `max_readers` readers: (max_readers - 1) reader slots of
// one 64-byte cache line plus the 192-byte MDB_txninfo header (which holds the first slot).
// INVARIANT (checked by tests/unit/storage/lmdb_test.cc against the file LMDB makes): equal to
// LMDB's own size, so a preallocated file never changes the reader count another process sees.
std::uint64_t lock_file_size(unsigned max_readers) noexcept;

// Makes sure every byte of `dir`/lock.mdb up to lock_file_size(max_readers) has disk blocks:
// creates the file if it is missing and allocates (fallocate, never shrinking or changing
// existing bytes). Filesystems without fallocate and folders this process may not write to
// are left to LMDB. Throws: NoSpace ("cannot allocate ... lock.mdb': No space left on device").
void preallocate_lock_file(const std::filesystem::path& dir, unsigned max_readers);

// ENOSPC when `rc` is EIO and the filesystem holding `dir` has less than 1 MiB free for this
// user (LMDB's "short write"); `rc` otherwise.
int explain_short_write(int rc, const std::filesystem::path& dir) noexcept;

// After a commit failed for lack of space: truncates `env`'s data.mdb to its last committed
// page, freeing what the failed commit wrote past it. Takes LMDB's writer lock (a write txn)
// while it does, so no other writer is mid-commit. Best effort; never throws.
void give_back_tail(MDB_env* env) noexcept;

}  // namespace hangar::storage::lmdb::detail
