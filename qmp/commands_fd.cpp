// SPDX-License-Identifier: MulanPSL-2.0
//
// getfd / closefd: name the fd a client sent with SCM_RIGHTS so that a later -netdev or
// netdev_add can use it by name (FdRegistry), or close it again.
#include <cctype>

#include "qmp/commands.h"

namespace stratovirt::qmp {
namespace {

using nlohmann::json;

struct FdnameArgs {
  std::string fdname;
  static constexpr std::array<ArgSpec, 1> kSpec{{{"fdname", ArgType::kString}}};
  static FdnameArgs from_json(const json& a) { return {req_string(a, "fdname")}; }
};

}  // namespace

void register_fd_commands(QmpDispatcher& d, const CommandEnv& env) {
  FdRegistry& fds = env.fds;

  d.add<FdnameArgs>("getfd", "EmptyObject",
                    [&fds](const FdnameArgs& a, QmpSession& session) -> QmpResult {
                      if (session.received_fds.empty()) {
                        return generic_error("No file descriptor supplied via SCM_RIGHTS");
                      }
                      // Numbers name inherited fds on the command line (fds=3:4).
                      if (a.fdname.empty() ||
                          std::isdigit(static_cast<unsigned char>(a.fdname.front()))) {
                        return generic_error(
                            "Parameter 'fdname' expects a name not starting with a digit");
                      }
                      UniqueFd fd = std::move(session.received_fds.front());
                      session.received_fds.pop_front();
                      fds.add(a.fdname, std::move(fd));
                      return json::object();
                    });

  d.add<FdnameArgs>("closefd", "EmptyObject", [&fds](const FdnameArgs& a, QmpSession&) -> QmpResult {
    if (!fds.close(a.fdname)) {
      return generic_error(fmt::format("File descriptor named '{}' not found", a.fdname));
    }
    return json::object();
  });
}

}  // namespace stratovirt::qmp
