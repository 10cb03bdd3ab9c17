// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/base/error.h"

#include <cstring>

namespace stratovirt {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kNotSupported: return "not supported";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kOutOfRange: return "out of range";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kGuest: return "guest error";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

std::string Error::to_string() const {
  if (sys_errno_ == 0) return message_;
  return fmt::format("{}: {}", message_, std::strerror(sys_errno_));
}

}  // namespace stratovirt
