# A guest kernel panic (sysrq crash from /init) with panic=1: the kernel
# reboots after one second and the VMM ends with exit code 0.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='Kernel panic'
run() {
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=panic" \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
