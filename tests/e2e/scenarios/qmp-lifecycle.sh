# QMP against a running guest: `stop` freezes it (the serial heartbeat stops and
# query-status says paused), `cont` resumes it (beats advance, running), `quit`
# ends the VMM with exit 0 after a SHUTDOWN event (guest=false, host-qmp-quit).
TIMEOUT=150
EXPECT_EXIT=0
beats() { grep -c 'SV-GUEST: beat' "$WORK/serial.txt"; }
fail() { echo "$*" >&2; echo "$*" > "$WORK/failure"; }
run() {
    $VMM -machine microvm -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=heartbeat" \
        -chardev "file,id=c0,path=$WORK/serial.txt" -serial chardev:c0 -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256 &
    pid=$!
    n=0
    until [ "$(beats 2>/dev/null || echo 0)" -ge 5 ]; do
        kill -0 $pid 2>/dev/null || { wait $pid; return; }
        n=$((n + 1)); [ $n -lt 900 ] || { fail "no heartbeat"; kill $pid; wait $pid; return; }
        sleep 0.1
    done
    "$SVHELPER" qmp "$WORK/qmp.sock" '{"execute":"stop"}' \
        '{"execute":"query-status","id":"s1"}' > qmp-stop.log || fail "qmp stop failed"
    sleep 0.5  # a beat already in the UART path may still land
    b1=$(beats)
    sleep 2
    b2=$(beats)
    "$SVHELPER" qmp "$WORK/qmp.sock" '{"execute":"cont"}' \
        '{"execute":"query-status","id":"s2"}' > qmp-cont.log || fail "qmp cont failed"
    sleep 2
    b3=$(beats)
    echo "beats: stopped $b1 -> $b2, after cont $b3" > beats.txt
    [ "$b1" = "$b2" ] || fail "guest kept running while stopped ($b1 -> $b2 beats)"
    [ "$b3" -gt "$b2" ] || fail "guest did not resume after cont ($b2 -> $b3 beats)"
    "$SVHELPER" qmp "$WORK/qmp.sock" '{"execute":"quit"}' > qmp-quit.log || fail "qmp quit failed"
    wait $pid
}
check() {
    [ ! -e failure ] || { cat failure; return 1; }
    grep -q '"status":"paused"' qmp-stop.log || { echo "query-status after stop: $(tail -n 2 qmp-stop.log | tr '\n' ' ')"; return 1; }
    grep -q '"event":"STOP"' qmp-stop.log || { echo "no STOP event"; return 1; }
    grep -q '"status":"running"' qmp-cont.log || { echo "query-status after cont: $(tail -n 2 qmp-cont.log | tr '\n' ' ')"; return 1; }
    grep -q '"event":"RESUME"' qmp-cont.log || { echo "no RESUME event"; return 1; }
    grep -q '"event":"SHUTDOWN"' qmp-quit.log || { echo "no SHUTDOWN event after quit: $(tr '\n' ' ' < qmp-quit.log)"; return 1; }
    grep -q '"reason":"host-qmp-quit"' qmp-quit.log || { echo "SHUTDOWN reason: $(grep SHUTDOWN qmp-quit.log)"; return 1; }
}
