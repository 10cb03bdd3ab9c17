#!/bin/sh
# Runs inside L1 (or natively) for tests/bench/blk_io. Makes one raw image,
# then for each run and each VMM (interleaved, so a load change on the host
# hits all VMMs alike) boots the guest with that image as /dev/vda and
# sv.test=blk-bench; the guest's blkprobe lines become marker lines:
#   @@E2E BENCH <vmm> <run> BLKIO mode=.. bs=.. qd=.. ios=.. mibps=.. iops=..
# Environment: BENCH_VMMS (names), BENCH_CMD_<name> (shell command line using
# $KERNEL $INITRD $APPEND $MEM $IMG), BENCH_RUNS, BENCH_MEM, BLK_MIB, BLK_SPECS,
# BLK_SECS, BENCH_TIMEOUT, BENCH_OUT.
export KERNEL INITRD
MEM=${BENCH_MEM:-256}
IMG=${BLK_IMG:-/tmp/blk-bench.img}
APPEND="console=ttyS0 quiet reboot=k panic=1 sv.test=blk-bench sv.bench=$BLK_SPECS sv.secs=${BLK_SECS:-5}"
export MEM APPEND IMG
out=${BENCH_OUT:-/tmp/bench}
mkdir -p "$out"
# A fully allocated image (non-zero bytes: a zero page is no cheaper to read).
tr '\0' 'x' < /dev/zero | dd of="$IMG" bs=1M count="${BLK_MIB:-256}" iflag=fullblock 2>/dev/null
echo "@@E2E BENCHLOG image $IMG $(wc -c < "$IMG") bytes on $(df -T "$(dirname "$IMG")" 2>/dev/null | awk 'NR==2 {print $2}')"
i=1
while [ "$i" -le "${BENCH_RUNS:-2}" ]; do
    for v in $BENCH_VMMS; do
        eval "cmd=\$BENCH_CMD_$v"
        [ $i = 1 ] && echo "@@E2E BENCHCMD $v $(eval "echo \"$cmd\"")"
        log="$out/$v-$i.log"
        timeout "${BENCH_TIMEOUT:-600}" sh -c "exec $cmd" </dev/null >"$log" 2>&1
        rc=$?
        grep -a 'SV-GUEST: BLKIO ' "$log" | tr -d '\r' | sed 's/.*SV-GUEST: //' | while IFS= read -r l; do
            echo "@@E2E BENCH $v $i $l"
        done
        if [ $rc -ne 0 ] || ! grep -q 'SV-GUEST: BLKIO ' "$log"; then
            echo "@@E2E BENCHLOG $v $i| exit $rc; last lines:"
            tail -n 15 "$log" | tr -d '\r' | while IFS= read -r l; do echo "@@E2E BENCHLOG $v $i| $l"; done
        else
            grep -a 'SV-GUEST: ' "$log" | grep -v BLKIO | tr -d '\r' | while IFS= read -r l; do
                echo "@@E2E BENCHLOG $v $i| $l"
            done
        fi
    done
    i=$((i + 1))
done
