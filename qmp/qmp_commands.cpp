// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/qmp/qmp_commands.h"

#include "qmp/commands.h"

namespace stratovirt::qmp {

void register_commands(QmpDispatcher& dispatcher, const CommandEnv& env) {
  register_lifecycle_commands(dispatcher, env);
  register_probe_commands(dispatcher, env);
  register_vm_query_commands(dispatcher, env);
  register_qom_commands(dispatcher, env);
  register_fd_commands(dispatcher, env);
  register_hmp_commands(dispatcher, env);
  register_block_commands(dispatcher, env);
}

}  // namespace stratovirt::qmp
