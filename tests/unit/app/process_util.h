// SPDX-License-Identifier: MulanPSL-2.0
//
// Helpers for tests that run the real stratovirt binary ($STRATOVIRT_BINARY) as a child
// process: spawn with extra environment, output captured to files, wait with a timeout,
// and a small blocking QMP client.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/unix_connect.h"
#include "support/crlf_line.h"
#include "stratovirt/base/unique_fd.h"

extern char** environ;

namespace stratovirt::testing {

inline std::string binary_path() {
  const char* p = std::getenv("STRATOVIRT_BINARY");
  return p ? p : "";
}

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Polls `pred` every 10 ms until it holds or `timeout` passes.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A process alive and not a zombie.
inline bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  return close_paren == std::string::npos || stat.size() < close_paren + 3 ||
         stat[close_paren + 2] != 'Z';
}

class Process {
 public:
  // Starts stratovirt with `args`; stdout/stderr go to files in `out_dir`.
  Process(const std::vector<std::string>& args, const std::filesystem::path& out_dir,
          const std::vector<std::string>& extra_env = {}) {
    static int counter = 0;
    std::string tag = std::to_string(++counter);
    out_path_ = out_dir / ("stdout." + tag);
    err_path_ = out_dir / ("stderr." + tag);
    std::vector<std::string> argv_s{binary_path()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
    env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, STDIN_FILENO);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo) const { ::kill(pid_, signo); }

  // Exit code (128+signal when killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (exit_code_) return exit_code_;
    eventually(
        [&] {
          int status = 0;
          pid_t r = ::waitpid(pid_, &status, WNOHANG);
          if (r != pid_) return false;
          exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          return true;
        },
        timeout);
    return exit_code_;
  }

  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_path_, err_path_;
};

// A blocking QMP client; line() returns one reply without "\r\n", or "" on timeout/EOF.
class QmpClient {
 public:
  explicit QmpClient(const std::string& path)
      : fd_(connect_unix_stream(path)) {}
  bool connected() const { return fd_.valid(); }
  bool send(std::string_view text) {
    return ::send(fd_.get(), text.data(), text.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(text.size());
  }
  std::string line() { return read_crlf_line(fd_.get(), buf_, 10000); }

 private:
  UniqueFd fd_;
  std::string buf_;
};

}  // namespace stratovirt::testing
