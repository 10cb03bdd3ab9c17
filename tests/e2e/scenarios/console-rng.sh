# virtio-console and virtio-rng: the guest writes a marker to /dev/hvc0
# (virtconsole on a unix-socket chardev, read by svhelper sockread) and reads
# 4096 bytes from /dev/hwrng (virtio-rng over rng-random on /dev/urandom,
# limited to max-bytes=1024 per period=1000 ms: the read takes at least ~3 s).
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: hwrng bytes='
EXPECT_FILE="$WORK/hvc.txt"
EXPECT_FILE_RE='SV-GUEST: hello on hvc0'
run() {
    "$SVHELPER" sockread "$WORK/hvc.sock" "$WORK/hvc.txt" 30 &
    reader=$!
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=console-rng" \
        -device virtio-serial-device,id=vser0 \
        -chardev "socket,id=vc0,path=$WORK/hvc.sock,server,nowait" \
        -device virtconsole,id=con0,chardev=vc0 \
        -object rng-random,id=rng0,filename=/dev/urandom \
        -device virtio-rng-device,rng=rng0,id=rng1,max-bytes=1024,period=1000 \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
    rc=$?
    wait $reader || echo "hvc0 socket reader failed" >&2
    return $rc
}
check() {
    grep -q 'SV-GUEST: hwrng bytes=4096 ' console.log ||
        { echo "guest read $(grep -o 'hwrng bytes=[0-9]*' console.log) from /dev/hwrng, expected 4096"; return 1; }
    secs=$(sed -n 's/.*SV-GUEST: hwrng bytes=4096 secs=\([0-9.]*\).*/\1/p' console.log)
    # 1024 bytes at once, then 1024 per second: 3 s at least (2.5 for clock granularity).
    awk -v s="$secs" 'BEGIN { exit !(s >= 2.5) }' ||
        { echo "4096 bytes from /dev/hwrng in ${secs}s: faster than max-bytes=1024/period=1000 allows"; return 1; }
}
