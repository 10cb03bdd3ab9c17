# A guest with -smp 2 brings up both vCPUs: /init prints nproc and the
# processor count of /proc/cpuinfo; both must be 2.
TIMEOUT=180
EXPECT_EXIT=0
EXPECT_CONSOLE='SV-GUEST: nproc=[0-9]+ cpuinfo=[0-9]+'
run() {
    $VMM -machine microvm -smp 2 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet reboot=k panic=1 sv.test=smp" \
        -serial stdio -qmp "unix:$WORK/qmp.sock,server,nowait" -m 256
}
check() {
    grep -q 'SV-GUEST: nproc=2 cpuinfo=2' console.log && return 0
    echo "guest saw: $(grep -o 'nproc=[0-9]* cpuinfo=[0-9]*' console.log), expected 2 CPUs"
    return 1
}
