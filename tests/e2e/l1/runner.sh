#!/bin/sh
# Runs e2e scenarios (inside L1, or natively on a host with hardware KVM) and
# reports each one as marker lines on stdout, which the host side parses:
#   @@E2E BEGIN <name>
#   @@E2E LOG <name> <stream>| <line>        (excerpts, failed scenarios only)
#   @@E2E RESULT <name> PASS <seconds>
#   @@E2E RESULT <name> FAIL <seconds> <reason>
# Usage: runner.sh SCENARIO_FILE...
# Environment: E2E_DIR (holds scenarios/ and sv2qemu), VMM, KERNEL, INITRD,
# SVHELPER, WORKROOT, PEER (empty for the VMM under test, or "qemu"),
# E2E_TIMEOUT_SCALE (optional factor for every TIMEOUT), E2E_IN_L1 (set inside
# L1: failures then also show the tail of L1's kernel log).
export VMM KERNEL INITRD SVHELPER PEER

now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

excerpt() { # excerpt NAME STREAM FILE
    [ -s "$3" ] || return 0
    tail -n "${E2E_EXCERPT_LINES:-20}" "$3" | tr -d '\r' | while IFS= read -r l; do
        echo "@@E2E LOG $1 $2| $l"
    done
}

# Evaluate the expected-outcome spec of the sourced scenario; print a reason
# and return 1 on the first mismatch. $1 = exit code, $2 = timed out (0/1).
verdict() {
    rc=$1
    if [ "$2" = 1 ]; then echo "timed out after ${TIMEOUT}s (VMM killed)"; return 1; fi
    case "$EXPECT_EXIT" in
    nonzero)
        if [ "$rc" -eq 0 ]; then echo "VMM exited 0, expected an error exit"; return 1; fi
        if [ "$rc" -ge 128 ]; then echo "VMM died from signal $((rc - 128))"; return 1; fi ;;
    *)
        if [ "$rc" -ne "$EXPECT_EXIT" ]; then echo "VMM exit code $rc, expected $EXPECT_EXIT"; return 1; fi ;;
    esac
    if [ -n "$EXPECT_CONSOLE" ] && ! grep -qE "$EXPECT_CONSOLE" console.log; then
        echo "console lacks /$EXPECT_CONSOLE/"; return 1
    fi
    if [ -n "$EXPECT_STDERR" ] && [ -z "$PEER" ] && ! grep -qiE "$EXPECT_STDERR" stderr.log; then
        echo "stderr lacks /$EXPECT_STDERR/ (case-insensitive)"; return 1
    fi
    if [ -n "$EXPECT_FILE" ]; then
        if [ ! -f "$EXPECT_FILE" ]; then echo "file $EXPECT_FILE was not created"; return 1; fi
        if [ -n "$EXPECT_FILE_RE" ] && ! grep -qE "$EXPECT_FILE_RE" "$EXPECT_FILE"; then
            echo "$EXPECT_FILE lacks /$EXPECT_FILE_RE/"; return 1
        fi
    fi
    if command -v check >/dev/null 2>&1; then
        check || return 1
    fi
    return 0
}

run_one() (
    f=$1
    name=$(basename "$f" .sh)
    WORK=$WORKROOT/$name
    export WORK
    rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK" || exit 1
    TIMEOUT=60 EXPECT_EXIT=0 EXPECT_CONSOLE= EXPECT_STDERR= EXPECT_FILE= EXPECT_FILE_RE=
    . "$f"
    # E2E_TIMEOUT_SCALE stretches every scenario's timeout (slow or busy hosts).
    TIMEOUT=$(awk -v t="$TIMEOUT" -v s="${E2E_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", t * s + 0.5 }')
    echo "@@E2E BEGIN $name"
    t0=$(now)
    # The scenario runs in its own session so that a timeout kills all of it.
    setsid sh -c ". '$f'; run" </dev/null >console.log 2>stderr.log &
    pid=$!
    setsid sh -c "sleep $TIMEOUT; touch '$WORK/.timed-out'; kill -KILL -$pid" \
        </dev/null >/dev/null 2>&1 &
    wd=$!
    wait $pid
    rc=$?
    kill -KILL -$wd 2>/dev/null
    kill -KILL -$pid 2>/dev/null  # leftovers (e.g. a reader) of a finished scenario
    to=0; [ -e .timed-out ] && to=1
    echo "$rc" > exit-code
    if reason=$(verdict "$rc" "$to"); then
        echo "@@E2E RESULT $name PASS $(elapsed "$t0")"
    else
        t=$(elapsed "$t0")
        [ -s console.log ] || [ -s stderr.log ] ||
            echo "@@E2E LOG $name note| the VMM printed nothing on stdout or stderr"
        excerpt "$name" console console.log
        excerpt "$name" stderr stderr.log
        [ -n "$EXPECT_FILE" ] && excerpt "$name" "$(basename "$EXPECT_FILE")" "$EXPECT_FILE"
        if [ -n "$E2E_IN_L1" ]; then  # L1's kernel log: KVM's own complaints land there
            dmesg | tail -n 10 > l1-dmesg.txt
            excerpt "$name" L1-dmesg l1-dmesg.txt
        fi
        echo "@@E2E RESULT $name FAIL $t $(echo "$reason" | tr '\n' ' ')"
    fi
)

for f in "$@"; do
    run_one "$f"
done
