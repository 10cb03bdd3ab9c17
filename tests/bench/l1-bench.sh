#!/bin/sh
# Runs inside L1 (or natively) for tests/bench/boot_mem. For each run and each
# VMM (interleaved, so a load change on the host hits all VMMs alike) boot the
# idle guest under `svhelper probe` and print one marker line:
#   @@E2E BENCH <vmm> <run> SVPROBE ok=.. first_byte_ms=.. kernel_ms=.. init_ms=.. rss_kb=..
#                           [fork_exec_ms=.. exec_run_ms=.. exec_uart_ms=.. exec_fwcfg_ms=..]
#                           decomp_ms=..
# (svhelper's and decomp_ms count from svhelper's fork, the trace's from the VMM's exec).
# Environment: BENCH_VMMS (names), BENCH_CMD_<name> (shell command line using
# $KERNEL $INITRD $APPEND $MEM), BENCH_RUNS, BENCH_MEM, BENCH_SETTLE_MS, SVHELPER,
# BENCH_TRACE=0 to skip the kernel tracing below.
#
# Kernel entry is timed with the tracefs of the machine the VMM runs on (clock
# "mono" = CLOCK_MONOTONIC, microsecond resolution), from the VMM's execve:
#   sched_process_fork   svhelper forks the probed command (its clock's zero, t0)
#   sched_process_exec   the last exec before the first KVM_RUN: the VMM binary
#                        (after `sh -c exec` and, for kvmtool, `env`)
#   sys_enter_ioctl      cmd 0xae80 = KVM_RUN: the first one is the first guest
#                        instruction run (exec_run_ms)
#   kvm_pio              guest port I/O to the UART (0x3f8-0x3ff) and QEMU's
#                        fw_cfg (0x510-0x51b): first UART access (exec_uart_ms),
#                        last fw_cfg access before it (exec_fwcfg_ms)
export KERNEL INITRD
MEM=${BENCH_MEM:-256}
# nokaslr: the bzImage's decompressor then prints "KASLR disabled: 'nokaslr' on cmdline."
# as it starts, on every boot path (64-bit direct entry or 16-bit setup code): the
# earliest serial output common to all VMMs (the Debian kernel has no
# CONFIG_X86_VERBOSE_BOOTUP, the decompressor is otherwise silent).
APPEND=${BENCH_APPEND:-"console=ttyS0 earlyprintk=ttyS0 loglevel=6 nokaslr reboot=k panic=1 sv.test=idle"}
export MEM APPEND
out=${BENCH_OUT:-/tmp/bench}
mkdir -p "$out"

T=/sys/kernel/tracing
trace_setup() {
    [ "${BENCH_TRACE:-1}" = 1 ] || return 1
    [ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || return 1
    [ -d $T/events/kvm/kvm_pio ] && [ -d $T/events/syscalls/sys_enter_ioctl ] || return 1
    echo 0 > $T/tracing_on
    echo mono > $T/trace_clock || return 1
    echo 0 > $T/options/overwrite    # keep the first events when the buffer fills
    echo 8192 > $T/buffer_size_kb
    echo 'parent_comm == "svhelper"' > $T/events/sched/sched_process_fork/filter
    echo 'cmd == 0xae80' > $T/events/syscalls/sys_enter_ioctl/filter
    echo '(port >= 0x3f8 && port <= 0x3ff) || (port >= 0x510 && port <= 0x51b)' \
        > $T/events/kvm/kvm_pio/filter
    for e in sched/sched_process_fork sched/sched_process_exec syscalls/sys_enter_ioctl kvm/kvm_pio; do
        echo 1 > $T/events/$e/enable || return 1
    done
}
# Reads the trace of one boot: prints "fork_exec_ms=.. exec_run_ms=.. exec_uart_ms=.. exec_fwcfg_ms=.."
# (-1 where the event did not occur), and with $1 = 1 the first guest port accesses.
trace_summary() {
    awk -v show="$1" '
    { ts = -1
      for (k = 1; k <= NF; k++) if ($k ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($k, 1, length($k) - 1) * 1000; break }
      if (ts < 0) next }
    /sched_process_fork:/ { if (!hf) { fork = ts; hf = 1 } next }
    /sched_process_exec:/ { if (!hr) { exec = ts; he = 1 } next }
    /sys_ioctl\(/ { if (!hr) { run = ts; hr = 1 } next }
    /kvm_pio:/ {
      if (hu) next
      match($0, /at 0x[0-9a-f]+/); port = substr($0, RSTART + 3, RLENGTH - 3)
      if (show == 1 && np < 8) { line = $0; sub(/^.*kvm_pio: /, "", line); pios = pios sprintf("%.1f:%s; ", ts - exec, line); np++ }
      if (port ~ /^0x3f[89a-f]$/) { uart = ts; hu = 1 } else { fw = ts; hw = 1 }
    }
    END {
      printf "fork_exec_ms=%.1f exec_run_ms=%.1f exec_uart_ms=%.1f exec_fwcfg_ms=%.1f",
        (hf && he) ? exec - fork : -1, (he && hr) ? run - exec : -1,
        (he && hu) ? uart - exec : -1, (he && hw) ? fw - exec : -1
      printf "\n"
      if (pios != "") printf "%s\n", pios
    }' $T/trace
}
# BENCH_SYSTRACE=1 (boot_mem --systrace): in run 1 also trace every syscall and user page
# fault, and summarise where the VMM's main thread spends exec -> first KVM_RUN.
systrace() {
    for e in raw_syscalls/sys_enter raw_syscalls/sys_exit exceptions/page_fault_user; do
        [ -d $T/events/$e ] && echo "$1" > $T/events/$e/enable
    done
}
systrace_summary() {
    awk '
    { ts = -1
      for (k = 1; k <= NF; k++) if ($k ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($k, 1, length($k) - 1) * 1000; tk = k; break }
      if (ts < 0) next
      task = $1; for (k = 2; k < tk - 2; k++) task = task " " $k }
    /sched_process_exec:/ { if (!run) { exec = ts; match($0, /pid=[0-9]+/); pid = substr($0, RSTART + 4, RLENGTH - 4); n = 0; nf = 0; insys = 0; delete dur; delete cnt } next }
    /sys_ioctl\(/ && !run && exec { run = ts; next }
    run || !exec || task !~ ("-" pid "$") { next }
    /sys_enter:/ { nr = $(tk + 3); t_in = ts; next }
    /sys_exit:/ { if (t_in) { d = ts - t_in; insys += d; n++; dur[nr] += d; cnt[nr]++ } t_in = 0; next }
    /page_fault_user:/ { nf++ }
    END {
      if (!run) { print "no KVM_RUN seen"; exit }
      printf "main thread, exec -> first KVM_RUN %.1f ms: %d syscalls taking %.1f ms, %d user page faults; slowest syscalls (NR: count, ms):", run - exec, n, insys, nf
      for (j = 0; j < 6; j++) { best = ""; for (k in dur) if (best == "" || dur[k] > dur[best]) best = k
        if (best == "") break; printf " %s: %d, %.1f;", best, cnt[best], dur[best]; delete dur[best] }
      printf "\n"
    }' $T/trace
}
tracing=0
trace_setup && tracing=1
[ $tracing = 1 ] || echo "@@E2E BENCHLOG - 0| no kernel tracing here: kernel entry not timed"

# Arrival time (ms after t0) of the first console line containing $2 in log $1, or -1.
line_ms() {
    awk -v m="$2" 'index($0, m) { v = $0; sub(/^\[ */, "", v); sub(/\].*/, "", v); print v; f = 1; exit }
                   END { if (!f) print -1 }' "$1"
}

i=1
while [ "$i" -le "${BENCH_RUNS:-3}" ]; do
    for v in $BENCH_VMMS; do
        eval "cmd=\$BENCH_CMD_$v"
        [ $i = 1 ] && echo "@@E2E BENCHCMD $v $(eval "echo \"$cmd\"")"
        st=0
        [ $tracing = 1 ] && [ $i = 1 ] && [ "${BENCH_SYSTRACE:-0}" = 1 ] && st=1
        [ $st = 1 ] && systrace 1
        if [ $tracing = 1 ]; then echo > $T/trace; echo 1 > $T/tracing_on; fi
        r=$("$SVHELPER" probe -m "$MEM" -i "SV-GUEST: init reached" -d "SV-GUEST: idle" -e "EDD" \
            -s "${BENCH_SETTLE_MS:-3000}" -t "${BENCH_TIMEOUT:-240}" -o "$out/$v-$i.log" \
            -- sh -c "exec $cmd")
        trv=
        if [ $tracing = 1 ]; then
            echo 0 > $T/tracing_on
            trace_summary $([ $i = 1 ] && echo 1) > "$out/$v-$i.trace"
            trv=$(head -n 1 "$out/$v-$i.trace")
            [ $i = 1 ] && tail -n +2 "$out/$v-$i.trace" | while IFS= read -r l; do
                echo "@@E2E BENCHLOG $v $i| first guest UART/fw_cfg port I/O (ms from exec): $l"
            done
            if [ $st = 1 ]; then
                systrace 0
                echo "@@E2E BENCHLOG $v $i| $(systrace_summary)"
            fi
        fi
        echo "@@E2E BENCH $v $i $r $trv decomp_ms=$(line_ms "$out/$v-$i.log" "KASLR disabled")"
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
