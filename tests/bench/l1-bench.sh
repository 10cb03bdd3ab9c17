#!/bin/sh
# Runs inside L1 (or natively) for tests/bench/boot_mem. For each run and each
# VMM (interleaved, so a load change on the host hits all VMMs alike) boot the
# idle guest under `svhelper probe` and print one marker line:
#   @@E2E BENCH <vmm> <run> SVPROBE ok=.. first_byte_ms=.. kernel_ms=.. init_ms=.. rss_kb=..
# Environment: BENCH_VMMS (names), BENCH_CMD_<name> (shell command line using
# $KERNEL $INITRD $APPEND $MEM), BENCH_RUNS, BENCH_MEM, BENCH_SETTLE_MS, SVHELPER.
export KERNEL INITRD
MEM=${BENCH_MEM:-256}
APPEND=${BENCH_APPEND:-"console=ttyS0 earlyprintk=ttyS0 loglevel=6 reboot=k panic=1 sv.test=idle"}
export MEM APPEND
out=${BENCH_OUT:-/tmp/bench}
mkdir -p "$out"
i=1
while [ "$i" -le "${BENCH_RUNS:-3}" ]; do
    for v in $BENCH_VMMS; do
        eval "cmd=\$BENCH_CMD_$v"
        [ $i = 1 ] && echo "@@E2E BENCHCMD $v $(eval "echo \"$cmd\"")"
        r=$("$SVHELPER" probe -m "$MEM" -i "SV-GUEST: init reached" -d "SV-GUEST: idle" -e "EDD" \
            -s "${BENCH_SETTLE_MS:-3000}" -t "${BENCH_TIMEOUT:-240}" -o "$out/$v-$i.log" \
            -- sh -c "exec $cmd")
        echo "@@E2E BENCH $v $i $r"
        # Excerpt of the timed console: its end after a failure, else its
        # start (first run only), so what (a) caught is visible.
        show=
        if ! echo "$r" | grep -q 'ok=1'; then show="tail -n 25"
        elif [ $i = 1 ]; then show="head -n ${BENCH_SHOW_LINES:-6}"; fi
        [ -n "$show" ] && $show "$out/$v-$i.log" | tr -d '\r' | while IFS= read -r l; do
            echo "@@E2E BENCHLOG $v $i| $l"
        done
        echo "@@E2E BENCHLOG $v $i| ($(wc -l < "$out/$v-$i.log") console lines in all)"
    done
    i=$((i + 1))
done
