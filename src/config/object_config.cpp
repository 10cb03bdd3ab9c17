// SPDX-License-Identifier: MulanPSL-2.0
// -object parser: iothread, memory backends, rng-random, tls-creds-x509, authz-simple, secret.
#include "stratovirt/config/backend_config.h"

namespace stratovirt::config {
namespace {

constexpr uint32_t kMaxHostNode = 128;

Result<MemoryBackendObject> parse_memory_backend(Props& props, MemBackendKind kind,
                                                 std::string id) {
  MemoryBackendObject m;
  m.kind = kind;
  m.id = std::move(id);
  m.share = kind != MemBackendKind::kRam;
  // Plain numbers are bytes here (QEMU and libvirt write size=268435456).
  SV_ASSIGN_OR_RETURN(auto size, props.get_size("size", kShiftBytes));
  if (!size) return std::unexpected(props.prop_error("size", "is required"));
  if (*size == 0 || *size % 4096 != 0) {
    return std::unexpected(props.prop_error("size", "must be a non-zero multiple of 4 KiB"));
  }
  m.size = *size;
  SV_ASSIGN_OR_RETURN(auto nodes, props.get_string("host-nodes"));
  if (nodes) {
    auto list = parse_id_list(*nodes, kMaxHostNode);
    if (!list) return std::unexpected(props.prop_error("host-nodes", list.error().message()));
    m.host_nodes = std::move(*list);
  }
  SV_ASSIGN_OR_RETURN(auto policy, props.get_enum<HostNodePolicy>(
                                       "policy", {{"default", HostNodePolicy::kDefault},
                                                  {"preferred", HostNodePolicy::kPreferred},
                                                  {"bind", HostNodePolicy::kBind},
                                                  {"interleave", HostNodePolicy::kInterleave}}));
  if (policy) m.policy = *policy;
  if (m.policy != HostNodePolicy::kDefault && m.host_nodes.empty()) {
    return std::unexpected(props.prop_error("policy", "needs host-nodes"));
  }
  SV_ASSIGN_OR_RETURN(auto dump, props.get_bool("dump-guest-core"));
  if (dump) m.dump_guest_core = *dump;
  SV_ASSIGN_OR_RETURN(auto share, props.get_bool("share"));
  if (share) m.share = *share;
  SV_ASSIGN_OR_RETURN(auto prealloc, props.get_bool("mem-prealloc"));
  if (!prealloc) {
    SV_ASSIGN_OR_RETURN(prealloc, props.get_bool("prealloc"));  // QEMU spelling
  }
  if (prealloc) m.prealloc = *prealloc;
  SV_ASSIGN_OR_RETURN(auto path, props.get_path("mem-path"));
  if (path && kind != MemBackendKind::kFile) {
    return std::unexpected(
        props.prop_error("mem-path", "only memory-backend-file takes a mem-path"));
  }
  if (kind == MemBackendKind::kFile && !path) {
    return std::unexpected(props.prop_error("mem-path", "is required for memory-backend-file"));
  }
  m.mem_path = std::move(path);
  return m;
}

}  // namespace

const std::string& object_id(const ObjectConfig& o) {
  return std::visit([](const auto& v) -> const std::string& { return v.id; }, o);
}

std::string_view object_type_name(const ObjectConfig& o) {
  struct Namer {
    std::string_view operator()(const IothreadObject&) const { return "iothread"; }
    std::string_view operator()(const MemoryBackendObject& m) const {
      switch (m.kind) {
        case MemBackendKind::kRam: return "memory-backend-ram";
        case MemBackendKind::kFile: return "memory-backend-file";
        case MemBackendKind::kMemfd: return "memory-backend-memfd";
      }
      return "memory-backend";
    }
    std::string_view operator()(const RngRandomObject&) const { return "rng-random"; }
    std::string_view operator()(const TlsCredsX509Object&) const { return "tls-creds-x509"; }
    std::string_view operator()(const AuthzSimpleObject&) const { return "authz-simple"; }
    std::string_view operator()(const SecretObject&) const { return "secret"; }
  };
  return std::visit(Namer{}, o);
}

Result<ObjectConfig> parse_object(Props& props) {
  SV_ASSIGN_OR_RETURN(auto type, props.get_string("qom-type"));
  if (!type) return std::unexpected(props.error("missing object type"));
  props.set_context(fmt::format("-object {}", *type));
  SV_ASSIGN_OR_RETURN(std::string id, props.require_string("id"));
  ObjectConfig out;
  if (*type == "iothread") {
    // QEMU's polling knobs are accepted (libvirt may set them); polling is not modelled.
    SV_ASSIGN_OR_RETURN(auto poll, props.get_uint("poll-max-ns"));
    (void)poll;
    out = IothreadObject{std::move(id)};
  } else if (*type == "memory-backend-ram" || *type == "memory-backend-file" ||
             *type == "memory-backend-memfd") {
    MemBackendKind kind = *type == "memory-backend-ram"    ? MemBackendKind::kRam
                          : *type == "memory-backend-file" ? MemBackendKind::kFile
                                                           : MemBackendKind::kMemfd;
    SV_ASSIGN_OR_RETURN(auto m, parse_memory_backend(props, kind, std::move(id)));
    out = std::move(m);
  } else if (*type == "rng-random") {
    RngRandomObject r{std::move(id)};
    SV_ASSIGN_OR_RETURN(auto file, props.get_path("filename"));
    if (file) r.filename = std::move(*file);
    out = std::move(r);
  } else if (*type == "tls-creds-x509") {
    TlsCredsX509Object t{std::move(id), "", "server", false};
    SV_ASSIGN_OR_RETURN(auto dir, props.get_path("dir"));
    if (!dir) return std::unexpected(props.prop_error("dir", "is required"));
    t.dir = std::move(*dir);
    SV_ASSIGN_OR_RETURN(auto endpoint, props.get_string("endpoint"));
    if (endpoint) {
      if (*endpoint != "server" && *endpoint != "client") {
        return std::unexpected(
            props.prop_error("endpoint", "invalid value (expected server or client)"));
      }
      t.endpoint = std::move(*endpoint);
    }
    SV_ASSIGN_OR_RETURN(auto verify, props.get_bool("verify-peer"));
    t.verify_peer = verify.value_or(false);
    out = std::move(t);
  } else if (*type == "authz-simple") {
    AuthzSimpleObject a{std::move(id), ""};
    SV_ASSIGN_OR_RETURN(a.identity, props.require_string("identity"));
    out = std::move(a);
  } else if (*type == "secret") {
    SecretObject s;
    s.id = std::move(id);
    SV_ASSIGN_OR_RETURN(auto format, props.get_string("format"));
    if (format) {
      if (*format != "raw" && *format != "base64") {
        return std::unexpected(props.prop_error("format", "invalid value (expected raw or base64)"));
      }
      s.format = std::move(*format);
    }
    SV_ASSIGN_OR_RETURN(s.file, props.get_path("file"));
    SV_ASSIGN_OR_RETURN(s.data, props.get_string("data", 4096));
    if (s.file.has_value() == s.data.has_value()) {
      return std::unexpected(props.error("exactly one of file and data is required"));
    }
    out = std::move(s);
  } else {
    return std::unexpected(props.error(
        "unknown object type (expected iothread, memory-backend-ram, memory-backend-file, "
        "memory-backend-memfd, rng-random, tls-creds-x509, authz-simple or secret)"));
  }
  SV_RETURN_IF_ERROR(props.finish());
  return out;
}

}  // namespace stratovirt::config
