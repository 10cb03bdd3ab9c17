// SPDX-License-Identifier: MulanPSL-2.0
//
// Private to qmp/: one registration function per group of commands (one file each), and
// the schema that query-qmp-schema serves. register_commands() calls them all.
// Threads: main loop thread. Failure: errors are QMP replies.
#pragma once

#include <nlohmann/json.hpp>

#include "stratovirt/qmp/qmp_commands.h"

namespace stratovirt::qmp {

void register_lifecycle_commands(QmpDispatcher& d, const CommandEnv& env);
void register_probe_commands(QmpDispatcher& d, const CommandEnv& env);
void register_vm_query_commands(QmpDispatcher& d, const CommandEnv& env);
void register_qom_commands(QmpDispatcher& d, const CommandEnv& env);
void register_fd_commands(QmpDispatcher& d, const CommandEnv& env);
void register_hmp_commands(QmpDispatcher& d, const CommandEnv& env);
void register_block_commands(QmpDispatcher& d, const CommandEnv& env);

// query-qmp-schema: every command in `d` with its argument and return types, every
// event, and every type they reference (QEMU's SchemaInfo format).
nlohmann::json build_schema(const QmpDispatcher& d);
// The schema type names used as "returns" that build_schema() cannot resolve (tests).
std::vector<std::string> unresolved_schema_types(const QmpDispatcher& d);

// Shared by query-cpus, query-cpus-fast and `info cpus`.
nlohmann::json cpu_props_json(const CpuProps& props);

}  // namespace stratovirt::qmp
