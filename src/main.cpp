// SPDX-License-Identifier: MulanPSL-2.0
//
// stratovirt entry point: parse → set up the process → run the main loop → exit code.
//
// Order: command line (nothing touched on disk before it is valid) → logging → QMP
// listeners bound → -daemonize (parent released only when ready) and -pidfile → signals →
// machine → main loop. Exit codes are documented in docs/exit-codes.md.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "machine/test_machine.h"
#include "stratovirt/base/daemon.h"
#include "stratovirt/base/event_loop.h"
#include "stratovirt/base/logging.h"
#include "stratovirt/base/pid_file.h"
#include "stratovirt/base/signal_handler.h"
#include "stratovirt/config/cmdline.h"
#include "stratovirt/config/vm_config.h"
#include "stratovirt/machine/machine.h"
#include "stratovirt/qmp/fd_registry.h"
#include "stratovirt/qmp/monitor_setup.h"
#include "stratovirt/qmp/machine_adapter.h"
#include "stratovirt/qmp/none_machine_control.h"
#include "stratovirt/qmp/qmp_commands.h"
#include "stratovirt/qmp/qmp_events.h"
#include "stratovirt/qmp/qmp_server.h"

namespace {

using namespace stratovirt;

constexpr int kExitClean = 0;    // shutdown by guest, QMP quit or SIGTERM/SIGINT/SIGHUP
constexpr int kExitStartup = 1;  // bad configuration or a startup failure
constexpr int kExitFatal = 2;    // fatal error while running

void print_error(const Error& error) {
  std::fprintf(stderr, "stratovirt: %s\n", error.to_string().c_str());
}

// StratoVirt needs a management channel: at least one -qmp or -mon.
Result<void> check_monitors(const config::VmConfig& cfg) {
  if (cfg.monitors.empty()) {
    return errorf(ErrorCode::kInvalidArgument,
                  "at least one QMP monitor is required: use -qmp or -chardev + -mon");
  }
  return ok();
}

// ---- MACHINE HOOK -------------------------------------------------------------------
// The single place where main() builds and starts the machine. `-machine none` has no
// machine: only the QMP monitors run (libvirt's capability probe). Other machines are
// created here (every realize error surfaces now, before the daemon parent is released);
// the QMP MachineAdapter reports guest poweroff/reboot through on_shutdown, and a fatal
// vCPU error through the machine's shutdown event (exit code 2). `-accel test` builds the
// device test tier's machine on the main loop's virtual clock (docs/device-tests.md).
Result<std::unique_ptr<machine::Machine>> create_machine(const config::VmConfig& cfg,
                                                         EventLoop& loop,
                                                         VirtualClock& test_clock) {
  if (cfg.machine.type == config::MachineType::kNone) return std::unique_ptr<machine::Machine>{};
  if (cfg.machine.accel == config::Accel::kTest) {
    SV_ASSIGN_OR_RETURN(auto vm, machine::TestMachine::create(cfg, loop, test_clock));
    return std::unique_ptr<machine::Machine>(std::move(vm));
  }
  return machine::Machine::create(cfg, loop);
}
// ---- end of MACHINE HOOK ------------------------------------------------------------

// Everything after the configuration is valid. Returns the exit code; startup errors go
// to stderr, or to the waiting parent when daemonized.
int run_vmm(const config::VmConfig& cfg) {
  std::optional<Daemon> daemon;
  auto fail = [&daemon, &cfg](const Error& error) {
    // stderr gets the message once: from print_error, or from the parent of a daemon.
    if (cfg.log.file) logger(kLoggerMain)->error("{}", error);
    if (daemon) {
      daemon->notify_failure(error);
    } else {
      print_error(error);
    }
    return kExitStartup;
  };

  if (auto r = ignore_sigpipe(); !r) return fail(r.error());
  if (auto r = init_logging(log_options_from_env(cfg.log.enabled, cfg.log.file)); !r) {
    return fail(r.error());
  }
  auto listeners = qmp::bind_monitor_listeners(cfg);
  if (!listeners) return fail(listeners.error());

  if (cfg.daemonize) {
    auto started = Daemon::start();  // only the daemon returns from here
    if (!started) return fail(started.error());
    daemon.emplace(std::move(*started));
  }
  // -pidfile without -daemonize is accepted (QEMU's rule): it holds this process's pid.
  std::optional<PidFile> pidfile;
  if (cfg.pidfile) {
    auto created = PidFile::create(*cfg.pidfile);
    if (!created) return fail(created.error());
    pidfile.emplace(std::move(*created));
  }
  if (daemon) {
    if (auto r = daemon->detach(); !r) return fail(r.error());
  }

  // Under -accel test, main-loop time is virtual: it moves only on the driver's clock_step.
  VirtualClock test_clock;
  auto loop = cfg.machine.accel == config::Accel::kTest ? EventLoop::create("main", test_clock)
                                                        : EventLoop::create("main");
  if (!loop) return fail(loop.error());
  EventLoop& main_loop = **loop;

  // QMP: events, named fds and the machine's control interface. Every shutdown (quit,
  // signal, guest) reaches on_shutdown once: SHUTDOWN is queued, then the loop stops and
  // flush_all() below writes it out.
  qmp::EventQueue events;
  qmp::FdRegistry fds;
  auto on_shutdown = [&events, &main_loop](qmp::ShutdownCause cause) {
    events.emit("SHUTDOWN", qmp::shutdown_event_data(cause));
    main_loop.stop();
  };
  std::unique_ptr<machine::Machine> vm;  // declared before `control`: outlives its adapter
  std::unique_ptr<qmp::MachineControl> control;
  auto signals = ShutdownSignals::create(main_loop, [&main_loop, &control](int signo) {
    logger(kLoggerMain)->info("received signal {}, shutting down", signo);
    if (control) {
      control->request_shutdown(qmp::ShutdownCause::kHostSignal);
    } else {
      main_loop.stop();
    }
  });
  if (!signals) return fail(signals.error());

  auto created = create_machine(cfg, main_loop, test_clock);
  if (!created) return fail(created.error());
  vm = std::move(*created);
  if (!vm) {
    control = std::make_unique<qmp::NoneMachineControl>(cfg.freeze_cpu,
                                                         qmp::monitor_chardevs(cfg), on_shutdown);
  } else {
    // The adapter takes the machine's only shutdown callback; it is declared after the
    // machine, so it is destroyed first.
    auto adapter = std::make_unique<qmp::MachineAdapter>(*vm, cfg, cfg.freeze_cpu,
                                                         qmp::monitor_chardevs(cfg), on_shutdown);
    adapter->emit_balloon_events(events, main_loop);
    control = std::move(adapter);
    if (auto r = vm->start(cfg.freeze_cpu); !r) return fail(r.error());
  }
  if (!control) {
    return fail(Error(ErrorCode::kInternal, "the machine offers no QMP control interface"));
  }

  qmp::QmpDispatcher dispatcher;
  qmp::register_commands(dispatcher,
                         qmp::CommandEnv{*control, events, fds, cfg, /*kvm_present=*/{}});
  auto server = qmp::QmpServer::create(main_loop, std::move(*listeners), dispatcher, &events);
  if (!server) return fail(server.error());

  if (daemon) daemon->notify_ready();
  logger(kLoggerMain)->info("main loop running (pid {})", ::getpid());
  auto ran = main_loop.run();
  (*server)->flush_all();
  if (!ran) {
    logger(kLoggerMain)->error("main loop failed: {}", ran.error());
    flush_logs();
    return kExitFatal;
  }
  if (vm && vm->shutdown_event() && vm->shutdown_event()->exit_code != 0) {
    flush_logs();
    return kExitFatal;
  }
  logger(kLoggerMain)->info("shut down cleanly");
  flush_logs();
  return kExitClean;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto raw = config::lex_command_line(args);
  if (!raw) {
    print_error(raw.error());
    return kExitStartup;
  }
  if (raw->help) {
    std::fputs(config::usage_text().c_str(), stdout);
    return kExitClean;
  }
  if (raw->version) {
    std::printf("StratoVirt-cpp %s\n", SV_VERSION);
    return kExitClean;
  }
  auto cfg = config::parse_command_line(args);
  if (!cfg) {
    print_error(cfg.error());
    return kExitStartup;
  }
  if (auto r = check_monitors(*cfg); !r) {
    print_error(r.error());
    return kExitStartup;
  }
  return run_vmm(*cfg);
}
