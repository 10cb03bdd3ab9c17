// SPDX-License-Identifier: MulanPSL-2.0
//
// QmpFramer: splits a QMP byte stream into messages.
//
// A message is one complete top-level JSON object or array (braces counted outside
// strings, escapes honoured), so both "one object per line" and several objects in one
// read work, and an object split over several reads is reassembled. Anything else at top
// level is taken up to the next newline as one (invalid) message, so the client gets a
// parse error for it instead of a hang. Whitespace between messages is skipped.
// Threads: one connection's thread. Failure: a message growing past `max_message` bytes
// sets overflowed(); the connection is then unusable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stratovirt::qmp {

class QmpFramer {
 public:
  explicit QmpFramer(size_t max_message) : max_message_(max_message) {}

  void feed(std::string_view data);
  // The next complete message, if one is buffered.
  std::optional<std::string> next();
  bool overflowed() const { return overflowed_; }

 private:
  const size_t max_message_;
  std::string buffer_;
  bool overflowed_ = false;
};

}  // namespace stratovirt::qmp
