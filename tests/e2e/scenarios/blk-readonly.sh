# virtio-blk with readonly=on: the guest sees a read-only disk (/sys/block/vda/ro
# is 1, a raw write fails), still mounts it read-only and reads a known file; the
# host file is unchanged (sha256 before and after).
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: blk-ro ro='
PATH="$PATH:/usr/sbin:/sbin"
run() {
    mkdir -p root && head -c 100000 /dev/urandom > root/known.bin
    mkfs.ext4 -q -F -d root ext4.img 32M >mkfs.log 2>&1 || { cat mkfs.log >&2; return 99; }
    sha256sum ext4.img > before.sum
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=blk-ro" \
        -drive "id=d0,file=$WORK/ext4.img,readonly=on" -device virtio-blk-device,drive=d0,id=blk0 \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
check() {
    known=$(sha256sum root/known.bin | cut -d' ' -f1)
    grep -q "SV-GUEST: blk-ro ro=1 write=failed known=$known" console.log ||
        { echo "guest saw: $(grep -o 'blk-ro ro=.*' console.log | cut -c1-40), expected ro=1 write=failed and known.bin's sum"; return 1; }
    sha256sum -c before.sum >/dev/null 2>&1 || { echo "the read-only image changed on the host"; return 1; }
}
