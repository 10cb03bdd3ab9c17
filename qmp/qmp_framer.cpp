// SPDX-License-Identifier: MulanPSL-2.0
#include "qmp/qmp_framer.h"

namespace stratovirt::qmp {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Length of the complete message at the start of `s` (no leading whitespace), or npos.
size_t message_length(std::string_view s) {
  if (s.front() != '{' && s.front() != '[') {
    size_t nl = s.find('\n');
    return nl == std::string_view::npos ? nl : nl + 1;
  }
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

void QmpFramer::feed(std::string_view data) {
  if (overflowed_) return;
  buffer_.append(data);
}

std::optional<std::string> QmpFramer::next() {
  if (overflowed_) return std::nullopt;
  size_t start = 0;
  while (start < buffer_.size() && is_space(buffer_[start])) ++start;
  buffer_.erase(0, start);
  if (buffer_.empty()) return std::nullopt;
  size_t len = message_length(buffer_);
  if (len == std::string_view::npos) {
    if (buffer_.size() > max_message_) {
      overflowed_ = true;
      buffer_.clear();
    }
    return std::nullopt;
  }
  if (len > max_message_) {
    overflowed_ = true;
    buffer_.clear();
    return std::nullopt;
  }
  std::string message = buffer_.substr(0, len);
  buffer_.erase(0, len);
  return message;
}

}  // namespace stratovirt::qmp
