// SPDX-License-Identifier: MulanPSL-2.0
#include "stratovirt/config/cmdline.h"

#include <algorithm>
#include <array>

namespace stratovirt::config {
namespace {

using A = Arity;

// The complete option table. Order is the order of -help.
constexpr std::array kOptions = {
    OptionSpec{"name", "", A::kValue, false, false, "-name <name>            guest name"},
    OptionSpec{"machine", "M", A::kValue, false, false,
               "-machine [type=]none|microvm|q35[,dump-guest-core=on|off][,mem-share=on|off][,accel=kvm|test][,usb=off][,acpi=on|off]"},
    OptionSpec{"accel", "", A::kValue, false, false, "-accel kvm|test         accelerator"},
    OptionSpec{"smp", "", A::kValue, false, false,
               "-smp [cpus=]n[,maxcpus=][,sockets=][,dies=][,clusters=][,cores=][,threads=]"},
    OptionSpec{"cpu", "", A::kValue, false, false, "-cpu host[,pmu=on|off][,sve=on|off][,kvm-steal-time=on|off]"},
    OptionSpec{"m", "", A::kValue, false, false, "-m [size=]<megs>[K|M|G][,maxmem=<size>]"},
    OptionSpec{"mem-path", "", A::kValue, false, false, "-mem-path <path>        file/hugetlbfs backing for guest RAM"},
    OptionSpec{"mem-prealloc", "", A::kFlag, false, false, "-mem-prealloc           pre-fault guest RAM"},
    OptionSpec{"object", "", A::kValue, true, false,
               "-object iothread|memory-backend-ram|memory-backend-file|memory-backend-memfd|rng-random|tls-creds-x509|authz-simple|secret,id=..."},
    OptionSpec{"numa", "", A::kValue, true, false, "-numa node,nodeid=,cpus=,memdev= | dist,src=,dst=,val="},
    OptionSpec{"kernel", "", A::kValue, false, false, "-kernel <path>          kernel image (bzImage or raw vmlinux)"},
    OptionSpec{"append", "", A::kMulti, false, false, "-append <cmdline>       kernel command line"},
    OptionSpec{"initrd", "", A::kValue, false, false, "-initrd <path>          initial ramdisk"},
    OptionSpec{"drive", "", A::kValue, true, false, "-drive id=,file=[,if=none|pflash][,unit=][,readonly=][,direct=][,aio=][,format=][,...]"},
    OptionSpec{"blockdev", "", A::kValue, true, false, "-blockdev {json}        libvirt block node (file + raw/qcow2 format)"},
    OptionSpec{"netdev", "", A::kValue, true, false, "-netdev tap|vhost-user,id=[,ifname=][,fd=|fds=][,vhost=][,queues=][,chardev=]"},
    OptionSpec{"chardev", "", A::kValue, true, false, "-chardev stdio|pty|socket|file,id=[,path=][,host=,port=][,server][,nowait]"},
    OptionSpec{"device", "", A::kValue, true, false, "-device <driver>,id=[,prop=value...]"},
    OptionSpec{"serial", "", A::kValue, false, false, "-serial chardev:<id>|stdio|pty|file,path=|socket,path=,server,nowait"},
    OptionSpec{"qmp", "", A::kValue, true, false, "-qmp unix:<path>,server,nowait | tcp:<ip>:<port>,server,nowait"},
    OptionSpec{"mon", "", A::kValue, true, false, "-mon chardev=<id>,id=<id>,mode=control"},
    OptionSpec{"incoming", "", A::kValue, false, false, "-incoming tcp:<ip>:<port>|unix:<path>|file:<dir>"},
    OptionSpec{"D", "", A::kOptionalValue, false, false, "-D [logfile]            log to a file (stderr without a value)"},
    OptionSpec{"pidfile", "", A::kValue, false, false, "-pidfile <path>         write the daemon's pid (needs -daemonize)"},
    OptionSpec{"daemonize", "", A::kFlag, false, false, "-daemonize              run in the background"},
    OptionSpec{"disable-seccomp", "", A::kFlag, false, false, "-disable-seccomp        do not install the seccomp filter"},
    OptionSpec{"S", "freeze", A::kFlag, false, false, "-S, -freeze             start with vCPUs paused"},
    OptionSpec{"trace", "", A::kValue, true, false, "-trace file=<list>|type=all|events|scopes"},
    OptionSpec{"global", "", A::kValue, true, false, "-global pcie-root-port.fast-unplug=0|1"},
    OptionSpec{"smbios", "", A::kValue, true, false, "-smbios type=0|1|2|3|4|17[,field=value...]"},
    OptionSpec{"display", "", A::kValue, false, false, "-display none|gtk[,app-name=][,full-screen=on|off]"},
    OptionSpec{"vnc", "", A::kValue, false, false, "-vnc <ip>:<display>[,tls-creds=][,sasl][,sasl-authz=]"},
    OptionSpec{"uuid", "", A::kValue, false, false, "-uuid <uuid>            machine UUID (SMBIOS type 1)"},
    OptionSpec{"hardware-signature", "", A::kValue, false, false, "-hardware-signature <u32> ACPI FACS hardware signature"},
    OptionSpec{"battery", "", A::kFlag, false, false, "-battery                ACPI battery and AC adapter"},
    OptionSpec{"mod-test", "", A::kValue, false, false, "-mod-test <socket>      device test tier: connect to the test driver (needs -accel test)"},
    OptionSpec{"no-shutdown", "", A::kOptionalValue, false, false, "-no-shutdown            pause instead of exiting on guest poweroff"},
    OptionSpec{"no-acpi", "", A::kFlag, false, false, "-no-acpi                no ACPI tables (as -machine acpi=off; libvirt without <acpi/>)"},
    // Accepted for libvirt/QEMU compatibility; no effect.
    OptionSpec{"no-user-config", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"nodefaults", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"nographic", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"overcommit", "", A::kOptionalValue, true, true, ""},
    OptionSpec{"sandbox", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"msg", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"rtc", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"boot", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"realtime", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"usb", "", A::kOptionalValue, false, true, ""},
    OptionSpec{"audiodev", "", A::kOptionalValue, true, true, ""},
    OptionSpec{"enable-kvm", "", A::kFlag, false, true, ""},
};

bool looks_like_option(const std::string& tok) {
  return tok.size() >= 2 && tok[0] == '-';
}

}  // namespace

std::span<const OptionSpec> option_table() { return kOptions; }

const OptionSpec* find_option(std::string_view name) {
  for (const auto& o : kOptions) {
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  }
  return nullptr;
}

Result<RawCommandLine> lex_command_line(std::span<const std::string> args) {
  RawCommandLine out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& tok = args[i];
    if (tok == "--") {
      out.extra_args.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (!looks_like_option(tok)) {
      return errorf(ErrorCode::kInvalidArgument,
                    "unexpected argument '{}' (options start with '-'; see -help)", tok);
    }
    // Accept "--opt" like "-opt" for QEMU users, and "-opt=value".
    std::string_view name = std::string_view(tok).substr(tok[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    if (name == "h" || name == "help") {
      out.help = true;
      continue;
    }
    if (name == "V" || name == "version") {
      out.version = true;
      continue;
    }
    const OptionSpec* spec = find_option(name);
    if (spec == nullptr) {
      return errorf(ErrorCode::kInvalidArgument, "unknown option '{}' (see -help)", tok);
    }
    if (!spec->repeatable) {
      bool seen = std::any_of(out.options.begin(), out.options.end(),
                              [&](const RawOption& o) { return o.name == spec->name; });
      if (seen) {
        return errorf(ErrorCode::kInvalidArgument, "-{}: given more than once", spec->name);
      }
    }
    RawOption opt{std::string(spec->name), std::nullopt};
    auto has_next = [&] { return i + 1 < args.size() && !looks_like_option(args[i + 1]); };
    switch (spec->arity) {
      case Arity::kFlag:
        if (inline_value) {
          return errorf(ErrorCode::kInvalidArgument, "-{}: takes no value", spec->name);
        }
        break;
      case Arity::kValue:
        if (inline_value) {
          opt.value = std::move(inline_value);
        } else if (i + 1 < args.size() && args[i + 1] != "--") {
          // A value may start with '-' (e.g. a path); only "--" cannot be a value.
          opt.value = args[++i];
        } else {
          return errorf(ErrorCode::kInvalidArgument, "-{}: missing value", spec->name);
        }
        break;
      case Arity::kOptionalValue:
        if (inline_value) {
          opt.value = std::move(inline_value);
        } else if (has_next()) {
          opt.value = args[++i];
        }
        break;
      case Arity::kMulti: {
        std::string joined = inline_value.value_or("");
        bool any = inline_value.has_value();
        while (has_next()) {
          if (any) joined += ' ';
          joined += args[++i];
          any = true;
        }
        if (!any) return errorf(ErrorCode::kInvalidArgument, "-{}: missing value", spec->name);
        opt.value = std::move(joined);
        break;
      }
    }
    out.options.push_back(std::move(opt));
  }
  return out;
}

std::string usage_text() {
  std::string s =
      "Usage: stratovirt [options]\n"
      "A lightweight KVM virtual machine monitor (StratoVirt-compatible command line).\n\n"
      "Options:\n"
      "  -h, -help               print this help and exit\n"
      "  -V, -version            print the version and exit\n";
  for (const auto& o : kOptions) {
    if (o.usage.empty()) continue;
    s += "  ";
    s += o.usage;
    s += '\n';
  }
  s += "\nAccepted and ignored for libvirt compatibility:";
  for (const auto& o : kOptions) {
    if (o.ignored) {
      s += " -";
      s += o.name;
    }
  }
  s += "\nSee docs/cmdline.md for every property.\n";
  return s;
}

}  // namespace stratovirt::config
