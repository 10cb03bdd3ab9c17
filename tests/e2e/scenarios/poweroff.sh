# `poweroff -f` in the guest ends the VMM with exit code 0.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: powering off'
run() {
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=poweroff" \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
