# Error case, no guest: a kernel path that does not exist. The VMM must exit
# non-zero and say what is wrong.
TIMEOUT=20
EXPECT_EXIT=nonzero
EXPECT_STDERR='kernel: .*no-such-vmlinuz: No such file or directory'
run() {
    $VMM -machine microvm -kernel "$WORK/no-such-vmlinuz" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1" -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
