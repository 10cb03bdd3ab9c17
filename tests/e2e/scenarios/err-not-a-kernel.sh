# Error case, no guest: the "kernel" is a text file. The VMM must refuse it
# (exit non-zero, with a message about the kernel image) instead of running
# garbage.
TIMEOUT=20
EXPECT_EXIT=nonzero
EXPECT_STDERR='passwd: not a kernel image'
run() {
    printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n' \
        > "$WORK/passwd"
    $VMM -machine microvm -kernel "$WORK/passwd" \
        -append "console=ttyS0 quiet reboot=k panic=1" -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
