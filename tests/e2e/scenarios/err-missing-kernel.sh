# Error case, no guest: a kernel path that does not exist. The VMM must exit
# non-zero and say what is wrong.
TIMEOUT=20
EXPECT_EXIT=nonzero
EXPECT_STDERR='no such file|not found|does not exist|kernel'
run() {
    $VMM -machine microvm -kernel "$WORK/no-such-vmlinuz" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1" -serial stdio -m 256
}
