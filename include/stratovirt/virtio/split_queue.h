// SPDX-License-Identifier: MulanPSL-2.0
//
// SplitQueue: the historical name of the running virtqueue.
//
// Devices were written when only split rings existed and still say SplitQueue; it is the
// layout-neutral Virtqueue (split or packed, include/stratovirt/virtio/virtqueue.h), so
// those devices run over packed rings unchanged. New code should say Virtqueue.
#pragma once

#include "stratovirt/virtio/virtqueue.h"

namespace stratovirt::virtio {

using SplitQueue = Virtqueue;

}  // namespace stratovirt::virtio
