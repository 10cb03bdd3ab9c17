# Error case, no guest: -m of twice the RAM of the machine the VMM runs on.
# The VMM must exit non-zero with a message about memory.
TIMEOUT=20
EXPECT_EXIT=nonzero
EXPECT_STDERR='guest memory of [0-9]+ MiB.*Cannot allocate memory'
run() {
    mib=$(awk '/^MemTotal:/ { printf "%d", $2 * 2 / 1024 }' /proc/meminfo)
    echo "${mib}M" > "$WORK/requested-mem"
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1" -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m "${mib}M"
}
