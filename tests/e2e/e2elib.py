"""Shared host-side pieces of the end-to-end tier and the benchmarks.

Python 3 standard library only. Everything heavy (kernel package, base L1
archive, helper binary) is cached under tests/e2e/cache/; per-run files go to
tests/e2e/work/<run>/.  See docs/testing-e2e.md for the overall design.
"""
import glob
import gzip
import hashlib
import io
import os
import re
import select
import shlex
import shutil
import stat
import subprocess
import sys
import time

E2E = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(E2E))
CACHE = os.path.join(E2E, "cache")
WORKBASE = os.path.join(E2E, "work")
BASE_LAYOUT_VERSION = "1"  # bump when the content of the base archive changes

MARK = "@@E2E"  # prefix of every protocol line L1 writes on its console
KVM_MODULES = ["kernel/virt/lib/irqbypass.ko", "kernel/arch/x86/kvm/kvm.ko",
               "kernel/arch/x86/kvm/kvm-amd.ko"]
# Modules copied into the L2 initramfs for scenarios with virtio-mmio devices
# (load order matters; not loaded by default).
L2_MODULES = ["kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
              "kernel/drivers/virtio/virtio_mmio.ko", "kernel/drivers/block/virtio_blk.ko",
              "kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko",
              "kernel/drivers/net/virtio_net.ko", "kernel/drivers/char/virtio_console.ko",
              "kernel/drivers/char/hw_random/virtio-rng.ko"]
# e2fsprogs for the block scenarios (images made with mkfs.ext4 -d, checked with
# debugfs and e2fsck after the VMM exits): copied into L1 with their libraries.
E2FS_PROGRAMS = [("/usr/sbin/mkfs.ext4", "/usr/sbin/mke2fs"), ("/usr/sbin/debugfs", "/usr/sbin/debugfs"),
                 ("/usr/sbin/e2fsck", "/usr/sbin/e2fsck")]


def log(msg):
    print("e2e: " + msg, file=sys.stderr, flush=True)


def die(msg, code=2):
    log("error: " + msg)
    sys.exit(code)


# ---------------------------------------------------------------- packages
_apt_updated = False


def apt_install(pkgs):
    global _apt_updated
    if os.geteuid() != 0:
        die("missing packages %s and not root to install them" % " ".join(pkgs))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        log("apt-get update")
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False,
                       stdout=subprocess.DEVNULL)
        _apt_updated = True
    log("installing " + " ".join(pkgs))
    r = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + pkgs,
                       env=env)
    if r.returncode != 0:
        die("apt-get install %s failed" % " ".join(pkgs))


def is_static(path):
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    return r.returncode != 0 or "not a dynamic executable" in (r.stdout + r.stderr) \
        or "statically linked" in r.stdout


def ensure_tools(need_qemu=True, need_cc=True):
    """Install what the harness needs from Debian packages when it is missing."""
    pkgs = []
    if need_qemu and not shutil.which("qemu-system-x86_64"):
        pkgs.append("qemu-system-x86")
    if not os.path.exists("/bin/busybox") or not is_static("/bin/busybox"):
        pkgs.append("busybox-static")
    if not shutil.which("dpkg-deb"):
        pkgs.append("dpkg")
    if need_cc and not shutil.which("gcc"):
        pkgs += ["gcc", "libc6-dev"]
    if not all(os.path.exists(src) for _, src in E2FS_PROGRAMS):
        pkgs.append("e2fsprogs")
    if pkgs:
        apt_install(pkgs)
    if not is_static("/bin/busybox"):
        die("/bin/busybox is not static (install busybox-static)")


# ---------------------------------------------------------------- kernel
class Kernel:
    def __init__(self, root):
        self.root = root
        self.vmlinuz = sorted(glob.glob(os.path.join(root, "boot", "vmlinuz-*")))[-1]
        self.version = os.path.basename(self.vmlinuz)[len("vmlinuz-"):]
        self.moddir = os.path.join(root, "lib", "modules", self.version)

    def module(self, rel):
        p = os.path.join(self.moddir, rel)
        if not os.path.exists(p):
            die("module %s missing from kernel %s" % (rel, self.version))
        return p


def _kernel_package_name():
    def query():
        r = subprocess.run(["apt-cache", "depends", "linux-image-cloud-amd64"],
                           capture_output=True, text=True)
        m = re.search(r"Depends:\s*(linux-image-\S+-cloud-amd64)", r.stdout)
        return m.group(1) if m else None
    name = query()
    if name is None and os.geteuid() == 0:
        global _apt_updated
        if not _apt_updated:
            subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
            _apt_updated = True
        name = query()
    return name


def get_kernel():
    """Debian's cloud kernel, downloaded once and unpacked (not installed)."""
    kdir = os.path.join(CACHE, "kernel")
    os.makedirs(kdir, exist_ok=True)
    name = _kernel_package_name()
    if name is None:  # offline: use what the cache holds
        have = sorted(d for d in glob.glob(os.path.join(kdir, "linux-image-*"))
                      if os.path.isdir(d))
        if not have:
            die("cannot resolve linux-image-cloud-amd64 (apt lists?) and nothing cached")
        return Kernel(have[-1])
    dest = os.path.join(kdir, name)
    if not glob.glob(os.path.join(dest, "boot", "vmlinuz-*")):
        debs = glob.glob(os.path.join(kdir, name + "_*.deb"))
        if not debs:
            log("downloading " + name)
            r = subprocess.run(["apt-get", "download", name], cwd=kdir,
                               stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                die("apt-get download %s failed: %s" % (name, r.stderr.strip()))
            debs = glob.glob(os.path.join(kdir, name + "_*.deb"))
        tmp = dest + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", debs[0], tmp], check=True)
        os.rename(tmp, dest)
    return Kernel(dest)


# ---------------------------------------------------------------- cpio (newc)
class Cpio:
    """A minimal writer of the initramfs 'newc' cpio format.

    Parent directories are added automatically; later archives in a
    concatenated initrd override files of earlier ones."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        name = name.lstrip("/")
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(name) + 1, 0))
        self.ino += 1
        b = hdr.encode() + name.encode() + b"\0"
        b += b"\0" * (-len(b) % 4)
        self.buf.write(b)
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def mkdir(self, path, mode=0o755):
        path = path.strip("/")
        if not path or path in self.dirs:
            return
        self.mkdir(os.path.dirname(path))
        self.dirs.add(path)
        self._entry(path, stat.S_IFDIR | mode)

    def add_bytes(self, path, data, mode=0o644):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFREG | mode, data)

    def add_file(self, path, src, mode=None):
        with open(src, "rb") as f:
            data = f.read()
        if mode is None:
            mode = os.stat(src).st_mode & 0o777
        self.add_bytes(path, data, mode)

    def symlink(self, path, target):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor, mode=0o600):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFCHR | mode, rdev=(major, minor))

    def add_tree(self, dest, src):
        for dirpath, dirnames, filenames in os.walk(src):
            rel = os.path.relpath(dirpath, src)
            d = dest if rel == "." else os.path.join(dest, rel)
            self.mkdir(d)
            for fn in sorted(filenames):
                p = os.path.join(dirpath, fn)
                if os.path.islink(p) and not os.path.exists(p):
                    continue
                self.add_file(os.path.join(d, fn), os.path.realpath(p))

    def add_program(self, path, src):
        """A dynamic executable plus the shared libraries `ldd` lists, each
        placed at the path ldd names (files dereferenced)."""
        self.add_file(path, src, 0o755)
        for lib in ldd_libs(src):
            self.add_file(lib, os.path.realpath(lib), 0o755)

    def data(self):
        self._entry("TRAILER!!!", 0)
        out = self.buf.getvalue()
        return out + b"\0" * (-len(out) % 512)


def ldd_libs(path):
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = []
    for line in r.stdout.splitlines():
        m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.append(m.group(1))
    return libs


def busybox_root(c):
    """The common userland of L1 and L2: static busybox and /dev/console."""
    c.add_file("bin/busybox", "/bin/busybox", 0o755)
    for d in ("proc", "sys", "dev", "tmp", "run", "root", "etc", "mnt"):
        c.mkdir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)


def file_hash(*paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def base_l1_archive(kernel):
    """Cached gzip'ed cpio with busybox, the KVM modules for L1 and the L2 kernel."""
    key = "%s-%s-%s" % (kernel.version, BASE_LAYOUT_VERSION, file_hash("/bin/busybox"))
    path = os.path.join(CACHE, "l1-base-%s.cpio.gz" % key)
    if os.path.exists(path):
        return path
    log("building base L1 archive for kernel " + kernel.version)
    c = Cpio()
    busybox_root(c)
    for m in KVM_MODULES:
        c.add_file("lib/e2e-modules/" + os.path.basename(m), kernel.module(m), 0o644)
    c.add_file("e2e/l2/vmlinuz", kernel.vmlinuz, 0o644)
    with open(path + ".tmp", "wb") as f:
        f.write(gzip.compress(c.data(), 6))
    os.rename(path + ".tmp", path)
    return path


def l2_initramfs(kernel, dest, programs=()):
    """The L2 guest's initramfs: busybox + tests/e2e/guest/init (+ virtio modules),
    plus `programs`: (path in L2, path here), e.g. a benchmark helper."""
    c = Cpio()
    busybox_root(c)
    c.add_file("init", os.path.join(E2E, "guest", "init"), 0o755)
    for m in L2_MODULES:
        p = os.path.join(kernel.moddir, m)
        if os.path.exists(p):
            c.add_file("lib/e2e-modules/" + os.path.basename(m), p, 0o644)
    for path, src in programs:
        c.add_program(path, src)
    with open(dest, "wb") as f:
        f.write(gzip.compress(c.data(), 6))
    return dest


def helper_binary():
    """Static build of helper/svhelper.c (unix-socket reader, boot/memory probe)."""
    src = os.path.join(E2E, "helper", "svhelper.c")
    out = os.path.join(CACHE, "svhelper-" + file_hash(src))
    if not os.path.exists(out):
        log("compiling svhelper")
        r = subprocess.run(["gcc", "-O2", "-static", "-Wall", "-o", out + ".tmp", src])
        if r.returncode != 0:
            die("cannot compile " + src)
        os.rename(out + ".tmp", out)
    return out


# ---------------------------------------------------------------- host facts
def native_kvm_possible():
    """True only where real Linux guests can run on this host's /dev/kvm.

    Decided by the vendor module or the vmx/svm flag, never by /dev/kvm alone
    (a PVM-backed /dev/kvm exists on some hosts but cannot boot a stock kernel)."""
    if os.path.exists("/sys/module/kvm_intel") or os.path.exists("/sys/module/kvm_amd"):
        return os.path.exists("/dev/kvm")
    try:
        with open("/proc/cpuinfo") as f:
            flags = re.search(r"^flags\s*:(.*)$", f.read(), re.M).group(1).split()
    except (OSError, AttributeError):
        return False
    return ("vmx" in flags or "svm" in flags) and os.path.exists("/dev/kvm")


def qemu_files(c):
    """QEMU (peer VMM) with its libraries and the microvm firmware."""
    q = shutil.which("qemu-system-x86_64")
    c.add_program("/usr/bin/qemu-system-x86_64", q)
    for fw in ("bios-microvm.bin", "qboot.rom", "linuxboot_dma.bin", "kvmvapic.bin"):
        p = os.path.join("/usr/share/qemu", fw)
        if os.path.exists(p):
            c.add_file("usr/share/qemu/" + fw, os.path.realpath(p), 0o644)


# ---------------------------------------------------------------- outer VM
def outer_qemu_cmd(kernel, initrd, mem="3G"):
    return ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg,thread=multi",
            "-cpu", "max", "-m", mem, "-smp", "2", "-nic", "none", "-nographic",
            "-no-reboot", "-kernel", kernel.vmlinuz, "-initrd", initrd,
            "-append", "console=ttyS0 quiet loglevel=1 panic=-1"]


class Outer:
    """The outer qemu (or, natively, the runner itself) as a line source."""

    def __init__(self, cmd, logpath, env=None):
        self.logf = open(logpath, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        self.pending = b""
        self.start = time.monotonic()

    def lines(self, deadline, echo=None):
        """Yield decoded lines until EOF or the deadline (then yields None).
        `deadline` is a monotonic time, or a function returning the current one."""
        fd = self.proc.stdout.fileno()
        while True:
            left = (deadline() if callable(deadline) else deadline) - time.monotonic()
            if left <= 0:
                yield None
                return
            r, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                if self.pending:
                    yield self.pending.decode("utf-8", "replace")
                return
            self.logf.write(chunk)
            self.logf.flush()
            if echo is not None:
                echo(chunk)
            self.pending += chunk
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                yield line.rstrip(b"\r").decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.logf.close()

    def wait(self, timeout=30):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        return self.proc.returncode


def marker_kind(line):
    """The protocol word of an @@E2E line ('READY', 'RESULT', ...) or None."""
    i = line.find(MARK + " ")
    return line[i + len(MARK) + 1:].split(" ")[0] if i >= 0 else None


L1_BOOT_BUDGET = 180  # seconds for the outer qemu to load, unpack and reach READY


def l1_run_archive(work, env, files=(), programs=()):
    """The per-run part of L1's initramfs (plain cpio): L1's /init, the runner,
    the helper, the L2 initramfs (work/l2-initrd.img), plan.env holding `env`,
    plus `files` and `programs` (dynamic executables, with their libraries),
    both lists of (path in L1, path here)."""
    c = Cpio()
    c.add_file("init", os.path.join(E2E, "l1", "init"), 0o755)
    c.add_file("e2e/runner.sh", os.path.join(E2E, "l1", "runner.sh"), 0o755)
    c.add_file("e2e/sv2qemu", os.path.join(E2E, "l1", "sv2qemu"), 0o755)
    c.add_file("e2e/bin/svhelper", helper_binary(), 0o755)
    c.add_file("e2e/l2/initrd.img", os.path.join(work, "l2-initrd.img"), 0o644)
    for dest, src in files:
        c.add_file(dest, src)
    for dest, src in programs:
        c.add_program(dest, src)
    for dest, src in E2FS_PROGRAMS:
        if os.path.exists(src):
            c.add_program(dest, src)
    if os.path.exists("/etc/mke2fs.conf"):
        c.add_file("etc/mke2fs.conf", "/etc/mke2fs.conf", 0o644)
    if env.get("PEER") == "qemu" or env.get("WITH_QEMU"):
        qemu_files(c)
    env = dict(env, KERNEL="/e2e/l2/vmlinuz", INITRD="/e2e/l2/initrd.img",
               SVHELPER="/e2e/bin/svhelper")
    text = "".join("%s=%s\nexport %s\n" % (k, shlex.quote(v), k) for k, v in sorted(env.items()))
    c.add_bytes("e2e/plan.env", text.encode(), 0o644)
    path = os.path.join(work, "l1-run.cpio")
    with open(path, "wb") as f:
        f.write(c.data())
    return path


def boot_l1(kernel, work, run_cpio, timeout, on_line, expect_by=None):
    """Boot the outer qemu once with the base + per-run archives and feed every
    console line to on_line(line, kind). Returns None after a clean DONE, else
    a reason (L1 not up in time, FATAL, overall timeout, L1 silent past
    expect_by(), early end); the L1 VM is killed in every case that is not
    clean. expect_by: optional function returning the monotonic time by which
    L1 must have printed its next line (e.g. a scenario's RESULT), or None."""
    base = base_l1_archive(kernel)
    # qemu's -initrd takes one file: concatenate the archives (gzip + plain cpio).
    initrd = os.path.join(work, "l1-initrd.img")
    with open(initrd, "wb") as out:
        for p in (base, run_cpio):
            with open(p, "rb") as f:
                shutil.copyfileobj(f, out)
            out.write(b"\0" * (-out.tell() % 512))  # next archive starts aligned
    cmd = outer_qemu_cmd(kernel, initrd)
    log("booting L1 (outer qemu, TCG): " + " ".join(shlex.quote(x) for x in cmd))
    console = os.path.join(work, "l1-console.log")
    outer = Outer(cmd, console)
    deadline = time.monotonic() + timeout
    ready_by = time.monotonic() + L1_BOOT_BUDGET
    ready = done = timed_out = False
    fatal = None

    def next_deadline():
        t = expect_by() if expect_by else None
        return deadline if t is None else min(deadline, t)
    for line in outer.lines(next_deadline):
        if line is None:
            timed_out = True
            if time.monotonic() < deadline:
                fatal = "L1 silent past the running scenario's timeout (hung?), L1 killed"
            break
        kind = marker_kind(line)
        on_line(line, kind)
        if kind == "READY":
            ready = True
            log("L1 ready after %.1fs (%s)" % (time.monotonic() - outer.start,
                                               line.split("READY", 1)[1].strip()))
        elif kind == "FATAL":
            fatal = line.split("FATAL", 1)[1].strip()
        elif kind == "DONE":
            done = True
            break
        if not ready and time.monotonic() > ready_by:
            fatal = "L1 did not come up within %ds" % L1_BOOT_BUDGET
            break
    if done:
        outer.wait(30)
        return None
    if not timed_out and not fatal:
        try:
            outer.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
    status = outer.proc.poll()
    outer.kill()
    why = fatal or ("overall timeout, L1 killed" if timed_out else
                    "the outer qemu ended early (exit status %s)" % status)
    log("L1 run ended abnormally: " + why)
    log("last lines of L1's console (%s):" % console)
    for l in tail(console, 30):
        print("    L1| " + l, file=sys.stderr)
    return why


def tail(path, n=25):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return lines[-n:]
