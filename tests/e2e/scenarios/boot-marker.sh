# Boot a Linux guest to its initramfs /init, which prints a marker and
# reboots with `reboot -f` (reboot=k): the VMM must exit 0.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: hello from the L2 guest'
run() {
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 reboot=k panic=1 sv.test=marker" \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
