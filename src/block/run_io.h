// SPDX-License-Identifier: MulanPSL-2.0
//
// run_io: one IoRequest as the blocking system call it names (preadv, pwritev, fdatasync,
// fallocate), for the engines that do not use io_uring. Private to src/block. Any thread.
// Failure: the result is -errno, as an io_uring completion would carry it.
#pragma once

#include <cstdint>

#include "stratovirt/block/io_engine.h"

namespace stratovirt::block {

int64_t run_io(const IoRequest& r);

}  // namespace stratovirt::block
