// SPDX-License-Identifier: MulanPSL-2.0
//
// Typed configs for backends that devices refer to by id: -object, -drive/-blockdev,
// -netdev, -chardev. Plain value types filled once by the config layer; read-only after.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "stratovirt/config/props.h"

namespace stratovirt::config {

// ---- -object ----
struct IothreadObject {
  std::string id;
};

enum class MemBackendKind { kRam, kFile, kMemfd };
enum class HostNodePolicy { kDefault, kPreferred, kBind, kInterleave };

struct MemoryBackendObject {
  MemBackendKind kind = MemBackendKind::kRam;
  std::string id;
  uint64_t size = 0;
  std::vector<uint32_t> host_nodes;
  HostNodePolicy policy = HostNodePolicy::kDefault;
  bool dump_guest_core = true;
  bool share = false;  // default on for file and memfd
  bool prealloc = false;
  std::optional<std::string> mem_path;  // file backend only (required there)
};

struct RngRandomObject {
  std::string id;
  std::string filename = "/dev/random";
};

struct TlsCredsX509Object {
  std::string id;
  std::string dir;
  std::string endpoint = "server";
  bool verify_peer = false;
};

struct AuthzSimpleObject {
  std::string id;
  std::string identity;
};

// libvirt's master key (`qom-type: secret`); kept so its id resolves.
struct SecretObject {
  std::string id;
  std::string format = "raw";
  std::optional<std::string> file;
  std::optional<std::string> data;
};

using ObjectConfig = std::variant<IothreadObject, MemoryBackendObject, RngRandomObject,
                                  TlsCredsX509Object, AuthzSimpleObject, SecretObject>;
const std::string& object_id(const ObjectConfig& o);
std::string_view object_type_name(const ObjectConfig& o);
Result<ObjectConfig> parse_object(Props& props);

// ---- -drive ----
enum class DriveIf { kNone, kPflash };
enum class AioMode { kNative, kIoUring, kThreads, kOff };
enum class DetectZeroes { kOff, kOn, kUnmap };
enum class ImageFormat { kRaw, kQcow2 };
enum class Media { kDisk, kCdrom };

inline constexpr uint64_t kMaxIopsTotal = 1'000'000;
inline constexpr uint64_t kMaxQcow2CacheSize = 32ULL << 20;

struct DriveConfig {
  std::string id;
  std::string file;
  DriveIf interface = DriveIf::kNone;
  std::optional<uint32_t> unit;  // pflash only: 0 (code) or 1 (vars)
  bool readonly = false;
  bool direct = true;
  AioMode aio = AioMode::kNative;
  std::optional<uint64_t> iops_total;
  bool discard = false;  // unmap
  DetectZeroes detect_zeroes = DetectZeroes::kOff;
  ImageFormat format = ImageFormat::kRaw;
  Media media = Media::kDisk;
  std::optional<uint64_t> l2_cache_size;
  std::optional<uint64_t> refcount_cache_size;
};
Result<DriveConfig> parse_drive(Props& props);

// -blockdev (JSON, as libvirt writes it): a protocol node ("file"/"host_device") and a
// format node ("raw"/"qcow2") whose "file" names the protocol node. Collected and folded
// into DriveConfigs (id = the format node's node-name) by the VmConfig builder.
struct BlockdevNode {
  std::string node_name;
  std::string driver;                   // file, host_device, raw, qcow2
  std::optional<std::string> filename;  // protocol nodes
  std::optional<std::string> file;      // format nodes: child node name
  std::optional<bool> read_only;
  std::optional<bool> direct;           // cache.direct
  std::optional<AioMode> aio;
  std::optional<bool> discard;
  std::optional<DetectZeroes> detect_zeroes;
};
Result<BlockdevNode> parse_blockdev(Props& props);

// ---- -netdev ----
enum class NetdevType { kTap, kVhostUser };
inline constexpr uint32_t kMaxQueuePairs = 16;

struct NetdevConfig {
  NetdevType type = NetdevType::kTap;
  std::string id;
  std::optional<std::string> ifname;
  std::vector<std::string> fds;       // numbers, or names registered with QMP getfd
  bool vhost = false;
  std::vector<std::string> vhostfds;
  uint32_t queue_pairs = 1;
  std::optional<std::string> tap_path;  // open this instead of /dev/net/tun
  std::optional<std::string> chardev;   // vhost-user
  bool macnat = false;
};
Result<NetdevConfig> parse_netdev(Props& props);

// ---- -chardev ----
struct StdioBackend {};
struct PtyBackend {};
struct FileBackend {
  std::string path;
};
struct UnixSocketAddr {
  std::string path;
};
struct TcpSocketAddr {
  std::string host = "0.0.0.0";
  uint16_t port = 0;
};
struct FdSocketAddr {  // an inherited, already listening or connected socket (libvirt)
  int fd = -1;
};
struct SocketBackend {
  std::variant<UnixSocketAddr, TcpSocketAddr, FdSocketAddr> addr;
  bool server = false;
  bool wait = true;
};
using ChardevBackend = std::variant<StdioBackend, PtyBackend, FileBackend, SocketBackend>;

struct ChardevConfig {
  std::string id;
  ChardevBackend backend;
};
std::string_view backend_name(const ChardevBackend& b);
// `-chardev` (id required) and the inline forms of -serial (`default_id` used).
Result<ChardevConfig> parse_chardev(Props& props, std::string_view default_id = {});

}  // namespace stratovirt::config
