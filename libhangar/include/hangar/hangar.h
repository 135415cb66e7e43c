// Umbrella header for programs that link libhangar.
#pragma once

#include <hangar/base/interrupt.h>
#include <hangar/checkout.h>
#include <hangar/commit.h>
#include <hangar/dtype.h>
#include <hangar/error.h>
#include <hangar/io.h>
#include <hangar/key.h>
#include <hangar/repository.h>
#include <hangar/schema.h>
#include <hangar/tensor.h>
#include <hangar/upgrade.h>

namespace hangar {
// The version of project() in the top CMakeLists.txt, e.g. "0.1.0".
const char* version() noexcept;
}  // namespace hangar
