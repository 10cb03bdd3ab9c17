# The serial port on a unix `socket` chardev (server, nowait): a reader in
# the host of the VMM connects and collects the guest's output until the VMM
# closes the socket on exit.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_FILE="$WORK/socket.txt"
EXPECT_FILE_RE='SV-GUEST: hello from the L2 guest'
run() {
    "$SVHELPER" sockread "$WORK/serial.sock" "$WORK/socket.txt" 30 &
    reader=$!
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=marker" \
        -chardev "socket,id=c0,path=$WORK/serial.sock,server,nowait" -serial chardev:c0 \
        -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
    rc=$?
    wait $reader || echo "socket reader failed" >&2
    return $rc
}
