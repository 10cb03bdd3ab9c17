// SPDX-License-Identifier: MulanPSL-2.0
//
// ConsoleDevice: virtio-serial-device with its virtconsole / virtserialport ports
// (virtio 1.2 §5.3, VIRTIO_CONSOLE_F_MULTIPORT).
//
// Queues (§5.3.2): receiveq/transmitq of port 0, control receiveq/transmitq, then one
// receiveq/transmitq pair per further port; config space: cols/rows (0: no size),
// max_nr_ports, emerg_wr. Control protocol (§5.3.6.2): the driver's DEVICE_READY makes the
// device announce every port (DEVICE_ADD); a port's PORT_READY is answered with
// CONSOLE_PORT (virtconsole), PORT_NAME (when the port has name=) and PORT_OPEN (the host
// side is there); the driver's PORT_OPEN opens and closes the guest side. Without
// MULTIPORT only port 0 exists and it is open from activation. EMERG_WRITE writes one
// character to port 0 (or the first console) from the config space.
// Each port is bound to a CharBackend: guest transmit → write(); backend input → the
// port's receiveq while the guest side is open. Input that finds no receive buffer is
// refused (0 bytes accepted: the backend keeps it) and input_ready() is called once the
// guest posts buffers or opens the port, so no input is lost.
// Owned by its MmioTransport; the device owns the backends handed to it as owned_backend,
// borrows the others (they must outlive it). Threads: queue_notify() on the kicking thread
// (vCPU or data-plane loop); backend input on the loop the backend was opened on (main);
// both take the device mutex; input_ready()/write() are called without re-entering it.
// Failure: create() refuses bad port sets; a malformed ring, chain or control message
// marks the device NEEDS_RESET with a rate-limited warning. Nothing here aborts.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stratovirt/config/device_config.h"
#include "stratovirt/devices/char_backend.h"
#include "stratovirt/virtio/virtio_device.h"
#include "stratovirt/virtio/virtio_spec.h"

namespace stratovirt::virtio {

namespace console {
inline constexpr unsigned kFeatureSize = 0, kFeatureMultiport = 1, kFeatureEmergWrite = 2;
// §5.3.6.2 control events.
inline constexpr uint16_t kDeviceReady = 0, kDeviceAdd = 1, kDeviceRemove = 2;
inline constexpr uint16_t kPortReady = 3, kConsolePort = 4, kResize = 5, kPortOpen = 6;
inline constexpr uint16_t kPortName = 7;
inline constexpr uint32_t kMaxPorts = 31;
inline constexpr size_t kConfigSize = 12;  // cols, rows, max_nr_ports, emerg_wr
inline constexpr uint32_t kControlRxQueue = 2, kControlTxQueue = 3;

// §5.3.6.2 struct virtio_console_control (little-endian).
struct ControlMessage {
  uint32_t id;
  uint16_t event;
  uint16_t value;
};
static_assert(sizeof(ControlMessage) == 8);

constexpr uint32_t rx_queue(uint32_t port) { return port == 0 ? 0 : 2 + 2 * port; }
constexpr uint32_t tx_queue(uint32_t port) { return rx_queue(port) + 1; }
}  // namespace console

// One virtconsole / virtserialport as the device sees it.
struct ConsolePortConfig {
  std::string id;  // the port's -device id, for messages
  uint32_t nr = 0;
  bool console = false;
  std::optional<std::string> name;
  CharBackend* backend = nullptr;               // required
  std::unique_ptr<CharBackend> owned_backend;  // when set, `backend` points at it
};

class ConsoleDevice final : public VirtioDevice {
 public:
  // `serial` holds the VirtioSerialDevice; port numbers must be unique and < max-ports.
  static Result<std::unique_ptr<ConsoleDevice>> create(const config::DeviceConfig& serial,
                                                       std::vector<ConsolePortConfig> ports);
  ~ConsoleDevice() override;

  uint32_t device_type() const override { return kDeviceIdConsole; }
  uint64_t device_features() const override;
  uint32_t num_queues() const override { return 2 * (max_ports_ + 1); }
  uint16_t queue_max_size() const override { return config::kDefaultQueueSize; }
  void read_config(uint64_t offset, std::span<uint8_t> data) override;
  void write_config(uint64_t offset, std::span<const uint8_t> data) override;
  Result<void> activate(const memory::GuestMemory& mem, uint64_t features,
                        std::vector<SplitQueue> queues, VirtioInterrupt* interrupt) override;
  void queue_notify(uint32_t queue) override;
  void reset() override;

  // What the device knows of a port (query-chardev's frontend-open, tests).
  struct PortState {
    bool added = false;            // DEVICE_ADD sent
    bool guest_ready = false;      // PORT_READY(1) received
    bool guest_connected = false;  // guest side open
  };
  std::optional<PortState> port_state(uint32_t nr);

 private:
  struct Port {
    ConsolePortConfig cfg;
    PortState state;
    bool input_blocked = false;  // input was refused; wake the backend when we can take it
  };

  ConsoleDevice(std::string id, uint32_t max_ports, std::vector<ConsolePortConfig> ports);
  Port* port_by_nr(uint32_t nr);
  bool active_locked() const;
  void fail_locked(const Error& e, uint32_t queue);
  void wake_locked(Port& p);
  void wake_backends(std::unique_lock<std::mutex>& lock);
  Result<void> signal_used(SplitQueue& q);

  // Control protocol (console_control.cpp).
  Result<void> process_control_tx_locked();
  Result<void> handle_control_locked(const console::ControlMessage& msg);
  void queue_control_locked(uint32_t id, uint16_t event, uint16_t value,
                            std::string_view extra = {});
  Result<void> flush_control_locked();

  // Port data paths (console_port.cpp).
  Result<void> transmit_locked(Port& p);
  size_t receive_input(uint32_t nr, std::span<const uint8_t> data);
  Result<size_t> receive_locked(Port& p, std::span<const uint8_t> data);

  std::string id_;
  uint32_t max_ports_;
  std::vector<Port> ports_;
  std::mutex mu_;
  std::vector<SplitQueue> queues_;
  VirtioInterrupt* interrupt_ = nullptr;
  bool multiport_ = false;
  std::deque<std::string> control_out_;  // encoded messages waiting for control rx buffers
  std::vector<CharBackend*> to_wake_;    // input_ready() calls to make outside the lock
};

}  // namespace stratovirt::virtio
