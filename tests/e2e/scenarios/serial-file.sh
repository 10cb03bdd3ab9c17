# The serial port on a `file` chardev: everything the guest prints lands in
# the file, which is checked after the VMM exits.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_FILE="$WORK/serial.txt"
EXPECT_FILE_RE='SV-GUEST: hello from the L2 guest'
run() {
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=marker" \
        -chardev "file,id=c0,path=$WORK/serial.txt" -serial chardev:c0 \
        -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
