# A guest with -m 512 sees its memory: MemTotal (what is left after the
# kernel's own reservations) must lie between 85% and 100% of 512 MiB.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: memtotal_kb=[0-9]+'
run() {
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=mem" \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 512
}
check() {
    kb=$(sed -n 's/.*SV-GUEST: memtotal_kb=\([0-9]*\).*/\1/p' console.log | head -n 1)
    lo=$((512 * 1024 * 85 / 100)) hi=$((512 * 1024))
    [ "$kb" -ge "$lo" ] && [ "$kb" -le "$hi" ] && return 0
    echo "MemTotal ${kb} kB outside [$lo, $hi] kB"
    return 1
}
