// SPDX-License-Identifier: MulanPSL-2.0
//
// Error and Result<T>: the project's error type for every fallible call.
//
// Models a failure as a code, a human-readable message (lower case, specific, naming the
// option/device/field) and the errno it came from, if any. Result<T> is a [[nodiscard]]
// std::expected<T, Error>; project code never throws. Value type, any thread.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace stratovirt {

enum class ErrorCode {
  kInvalidArgument,  // bad user input (command line, QMP arguments)
  kNotFound,         // a referenced id, file or device does not exist
  kNotSupported,     // valid request this build cannot realize yet
  kAlreadyExists,    // duplicate id, busy resource, locked image
  kOutOfRange,       // value or address outside its limits
  kIo,               // host I/O or syscall failure (errno set)
  kGuest,            // a guest broke a device contract
  kInternal,         // a bug: an invariant did not hold
};

std::string_view to_string(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message, int sys_errno = 0)
      : code_(code), message_(std::move(message)), sys_errno_(sys_errno) {}

  // An I/O error carrying errno: "context: strerror(errno)".
  static Error from_errno(std::string context, int err = errno) {
    return Error(ErrorCode::kIo, std::move(context), err);
  }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int sys_errno() const { return sys_errno_; }

  // Message, with ": <strerror>" appended when an errno is attached.
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>".
  Error with_context(std::string_view context) const {
    return Error(code_, fmt::format("{}: {}", context, message_), sys_errno_);
  }

 private:
  ErrorCode code_;
  std::string message_;
  int sys_errno_;
};

template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result(const std::expected<T, Error>& e) : std::expected<T, Error>(e) {}
  Result(std::expected<T, Error>&& e) : std::expected<T, Error>(std::move(e)) {}
};

// Result<void> success value: `return ok();`.
inline Result<void> ok() { return {}; }

inline std::unexpected<Error> make_error(ErrorCode code, std::string message, int err = 0) {
  return std::unexpected<Error>(Error(code, std::move(message), err));
}

template <typename... Args>
std::unexpected<Error> errorf(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  return std::unexpected<Error>(Error(code, fmt::format(f, std::forward<Args>(args)...)));
}

// Error carrying the current errno.
template <typename... Args>
std::unexpected<Error> sys_errorf(fmt::format_string<Args...> f, Args&&... args) {
  int err = errno;
  return std::unexpected<Error>(Error::from_errno(fmt::format(f, std::forward<Args>(args)...), err));
}

}  // namespace stratovirt

#define SV_CONCAT_INNER_(a, b) a##b
#define SV_CONCAT_(a, b) SV_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Result) from the enclosing function.
#define SV_RETURN_IF_ERROR(expr)                                            \
  do {                                                                      \
    auto&& sv_status_ = (expr);                                             \
    if (!sv_status_) return std::unexpected(std::move(sv_status_).error()); \
  } while (0)

// `SV_ASSIGN_OR_RETURN(auto x, f());` declares/assigns x from f()'s value or returns its error.
#define SV_ASSIGN_OR_RETURN(lhs, expr) SV_ASSIGN_OR_RETURN_IMPL_(SV_CONCAT_(sv_r_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` may be a declaration.
#define SV_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                   \
  auto tmp = (expr);                                                \
  if (!tmp) return std::unexpected(std::move(tmp).error());         \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

template <>
struct fmt::formatter<stratovirt::Error> : fmt::formatter<std::string> {
  auto format(const stratovirt::Error& e, format_context& ctx) const {
    return fmt::formatter<std::string>::format(e.to_string(), ctx);
  }
};
