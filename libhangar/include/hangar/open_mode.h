// How a Repository is opened (Repository::open; Repository::Mode is this type). Its own header
// so that the library's state can name the mode without the whole Repository facade.
#pragma once

namespace hangar {

// Read: any number of processes, any time. Write: one process at a time (the OS lock on
// .hangar/lock). Shared: writable without the lock; the lock is taken around each change
// (Repository::lock_writer).
enum class OpenMode { Read, Write, Shared };

}  // namespace hangar
