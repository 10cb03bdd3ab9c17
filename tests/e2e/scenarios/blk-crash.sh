# Crash consistency: the guest writes /crash.txt on ext4, syncs, prints a marker
# and keeps writing and syncing; the scenario SIGKILLs the VMM on the marker.
# The host image then holds the synced file (debugfs), and e2fsck is clean: -n
# before and -fn after replaying the journal (the replay a next mount would do).
TIMEOUT=180
EXPECT_EXIT=137
EXPECT_CONSOLE='SV-GUEST: blk-crash synced'
PATH="$PATH:/usr/sbin:/sbin"
run() {
    mkdir -p root && echo "crash test" > root/hello.txt
    mkfs.ext4 -q -F -d root ext4.img 32M >mkfs.log 2>&1 || { cat mkfs.log >&2; return 99; }
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=blk-crash" \
        -drive "id=d0,file=$WORK/ext4.img" -device virtio-blk-device,drive=d0,id=blk0 \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256 &
    pid=$!
    until grep -q 'SV-GUEST: blk-crash synced' console.log; do
        kill -0 $pid 2>/dev/null || { wait $pid; return; }  # the VMM ended on its own
        sleep 0.2
    done
    sleep 1  # the guest is now writing and syncing small files
    kill -KILL $pid
    wait $pid
}
check() {
    seq 1 40000 > crash.exp
    e2fsck -n ext4.img > fsck-n.log 2>&1; n=$?
    e2fsck -p ext4.img > fsck-p.log 2>&1; p=$?  # replays the journal
    [ $p -le 1 ] || { echo "e2fsck -p (journal replay) exit $p: $(tail -n 3 fsck-p.log | tr '\n' ' ')"; return 1; }
    e2fsck -fn ext4.img > fsck-fn.log 2>&1 ||
        { echo "e2fsck -fn after replay: exit $?: $(tail -n 3 fsck-fn.log | tr '\n' ' ')"; return 1; }
    debugfs -R "cat /crash.txt" ext4.img > crash.host 2>debugfs.log
    cmp -s crash.host crash.exp || { echo "synced /crash.txt is not in the host image"; return 1; }
    [ $n -eq 0 ] || { echo "e2fsck -n before replay: exit $n: $(tail -n 3 fsck-n.log | tr '\n' ' ')"; return 1; }
}
