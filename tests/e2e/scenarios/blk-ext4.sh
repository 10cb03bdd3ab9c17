# virtio-blk: an ext4 image made with `mkfs.ext4 -d` (holding a random known.bin)
# and a raw disk. Boot 1 reads known.bin, writes dir/new.txt on ext4 and a pattern
# on the raw disk (dd conv=fsync at an unaligned offset), then powers off; the host
# reads new.txt back with debugfs, e2fsck -fn is clean, the raw disk matches byte for
# byte. Boot 2 reads all of it back.
TIMEOUT=360
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: blk-read known='
PATH="$PATH:/usr/sbin:/sbin"
sha() { sha256sum "$1" | cut -d' ' -f1; }
vm() { # vm SV_TEST
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=$1" \
        -drive "id=d0,file=$WORK/ext4.img" -device virtio-blk-device,drive=d0,id=blk0 \
        -drive "id=d1,file=$WORK/raw.img" -device virtio-blk-device,drive=d1,id=blk1 \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
run() {
    mkdir -p root && head -c 100000 /dev/urandom > root/known.bin
    mkfs.ext4 -q -F -d root ext4.img 32M >mkfs.log 2>&1 || { cat mkfs.log >&2; return 99; }
    dd if=/dev/zero of=raw.img bs=1M count=4 2>/dev/null
    vm blk-write || return
    cp ext4.img ext4.boot1.img && cp raw.img raw.boot1.img  # what check() inspects
    vm blk-read
}
check() {
    known=$(sha root/known.bin)
    seq 1 40000 > new.exp
    seq 1 30000 > pat.exp
    grep -q "SV-GUEST: blk-write known=$known" console.log ||
        { echo "boot 1: the guest did not read known.bin right (sum $known)"; return 1; }
    grep -q "SV-GUEST: blk-write done new=$(sha new.exp)" console.log ||
        { echo "boot 1: the guest did not finish writing"; return 1; }
    debugfs -R "cat /dir/new.txt" ext4.boot1.img > new.host 2>debugfs.log
    cmp -s new.host new.exp || { echo "debugfs: /dir/new.txt on the host differs"; return 1; }
    e2fsck -fn ext4.boot1.img > fsck.log 2>&1 ||
        { echo "e2fsck -fn after boot 1: exit $?: $(tail -n 3 fsck.log | tr '\n' ' ')"; return 1; }
    dd if=/dev/zero of=raw.exp bs=1M count=4 2>/dev/null
    dd if=pat.exp of=raw.exp bs=512 seek=2049 conv=notrunc 2>/dev/null
    cmp raw.boot1.img raw.exp > cmp.log 2>&1 ||
        { echo "raw disk differs from what the guest wrote: $(cat cmp.log)"; return 1; }
    grep -q "SV-GUEST: blk-read known=$known new=$(sha new.exp) raw=$(sha pat.exp)" console.log ||
        { echo "boot 2 did not read back what boot 1 wrote"; return 1; }
}
