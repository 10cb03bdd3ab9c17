/*
 * svhelper: a tiny static helper the e2e tier and the benchmarks copy into L1
 * (busybox has no unix-socket client and no sub-second clock).
 *
 *   svhelper sockread PATH OUTFILE [TIMEOUT_S]
 *       Connect to the unix stream socket PATH (retrying every 10 ms until it
 *       exists, at most TIMEOUT_S seconds, default 30) and copy what arrives to
 *       OUTFILE until EOF.
 *
 *   svhelper qmp PATH [JSON_COMMAND...]
 *       A QMP client: connect to the unix socket PATH (retrying up to 10 s),
 *       print the greeting, send qmp_capabilities, then each JSON_COMMAND in
 *       turn; every line the VMM sends (replies and events) is printed as it
 *       arrives. After the last reply, events are still printed until the VMM
 *       closes the socket or 2 s pass. Exit 0 when every command got a reply.
 *
 *   svhelper uptime
 *       Print CLOCK_MONOTONIC in seconds with millisecond precision.
 *
 *   svhelper probe [-m GUEST_MIB] [-i INIT_MARK] [-d IDLE_MARK] [-e EARLY_MARK] [-s SETTLE_MS]
 *                  [-t TIMEOUT_S] [-o LOGFILE] -- CMD [ARGS...]
 *       Run CMD with stdout+stderr on a pipe, copy its output to LOGFILE (each
 *       line prefixed with its arrival time in ms) and time, from just before fork/exec (CLOCK_MONOTONIC):
 *         first_byte_ms  first byte the VMM writes (guest serial; with
 *                        earlyprintk this is the guest kernel's early console)
 *         early_ms       first line containing EARLY_MARK
 *         kernel_ms      first line containing "Linux version"
 *         init_ms        first line containing INIT_MARK (written by /init)
 *       After IDLE_MARK is seen and SETTLE_MS have passed, read
 *       /proc/<pid>/smaps: rss_kb = sum of Rss over all mappings except those
 *       whose size is within max(2%, 4 MiB) of GUEST_MIB (guest RAM);
 *       pss_kb likewise; guest_rss_kb = Rss of the excluded mappings.
 *       Then SIGKILL the process group and print one line:
 *         SVPROBE ok=1 first_byte_ms=... kernel_ms=... init_ms=... rss_kb=...
 *                 end=sampled|vmm-exit|timeout at_ms=... vmm_status=...
 *       (vmm_status: exit code, 128+signal, or -1 when the VMM was still running).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Connects to the unix stream socket `path`, retrying every 10 ms until `deadline` (ms of
 * now_ms()). Returns the fd, or -2 (path too long) / -1 (gave up), having said why. */
static int connect_unix_retry(const char *path, double deadline)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "svhelper: socket path too long\n");
        return -2;
    }
    strcpy(sa.sun_path, path);
    for (;;) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return s;
        if (s >= 0)
            close(s);
        if (now_ms() > deadline) {
            fprintf(stderr, "svhelper: cannot connect to %s\n", path);
            return -1;
        }
        usleep(10000);
    }
}

static int sockread(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: svhelper sockread PATH OUTFILE [TIMEOUT_S]\n");
        return 2;
    }
    double deadline = now_ms() + 1000.0 * (argc > 4 ? atof(argv[4]) : 30.0);
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        perror(argv[3]);
        return 2;
    }
    int s = connect_unix_retry(argv[2], deadline);
    if (s < 0)
        return -s;
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        write_all(out, buf, (size_t)n);
    }
    close(s);
    close(out);
    return 0;
}

struct mem {
    long rss_kb, pss_kb, guest_rss_kb, guest_maps;
};

static int read_smaps(pid_t pid, long guest_kb, struct mem *m)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    memset(m, 0, sizeof(*m));
    long tol = guest_kb / 50 > 4096 ? guest_kb / 50 : 4096;
    int guest = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        long v;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            long size_kb = (long)((hi - lo) / 1024);
            guest = guest_kb > 0 && labs(size_kb - guest_kb) <= tol;
            m->guest_maps += guest;
        } else if (sscanf(line, "Rss: %ld kB", &v) == 1) {
            if (guest)
                m->guest_rss_kb += v;
            else
                m->rss_kb += v;
        } else if (sscanf(line, "Pss: %ld kB", &v) == 1) {
            if (!guest)
                m->pss_kb += v;
        }
    }
    fclose(f);
    return 0;
}

static int probe(int argc, char **argv)
{
    long guest_mib = 256, settle_ms = 2000;
    double timeout_s = 120;
    const char *init_mark = "SV-GUEST: init reached", *idle_mark = NULL, *logpath = NULL;
    const char *early_mark = NULL;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (i + 1 >= argc)
            break;
        if (!strcmp(argv[i], "-m"))
            guest_mib = atol(argv[++i]);
        else if (!strcmp(argv[i], "-i"))
            init_mark = argv[++i];
        else if (!strcmp(argv[i], "-e"))
            early_mark = argv[++i];
        else if (!strcmp(argv[i], "-d"))
            idle_mark = argv[++i];
        else if (!strcmp(argv[i], "-s"))
            settle_ms = atol(argv[++i]);
        else if (!strcmp(argv[i], "-t"))
            timeout_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "-o"))
            logpath = argv[++i];
    }
    if (i >= argc - 1) {
        fprintf(stderr, "usage: svhelper probe [options] -- CMD [ARGS...]\n");
        return 2;
    }
    char **cmd = argv + i + 1;
    int logfd = logpath ? open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    int pfd[2];
    if (pipe(pfd) < 0)
        return 2;
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        execvp(cmd[0], cmd);
        perror(cmd[0]);
        _exit(127);
    }
    close(pfd[1]);
    setpgid(pid, pid);
    double first = -1, early = -1, kernel = -1, init = -1, idle = -1;
    struct mem m = {0};
    int sampled = 0, eof = 0;
    const char *end = "timeout";
    /* a sliding line buffer to find markers split across reads */
    char lb[8192];
    size_t ll = 0;
    while (!eof) {
        double t = now_ms();
        if (t - t0 > timeout_s * 1000)
            break;
        if (idle >= 0 && t - idle >= settle_ms) {
            sampled = read_smaps(pid, guest_mib * 1024, &m) == 0;
            end = "sampled";
            break;
        }
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int r = poll(&p, 1, 20);
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(pfd[0], buf, sizeof(buf));
        if (n <= 0) {
            eof = 1;
            end = "vmm-exit";
            break;
        }
        t = now_ms();
        if (first < 0)
            first = t;
        for (ssize_t k = 0; k < n; k++) {
            char c = buf[k];
            if (c == '\n' || ll == sizeof(lb) - 1) {
                lb[ll] = 0;
                if (logfd >= 0) { /* the log gets the arrival time of every line */
                    char stamp[32];
                    int sl = snprintf(stamp, sizeof(stamp), "[%9.1f] ", t - t0);
                    write_all(logfd, stamp, (size_t)sl);
                    write_all(logfd, lb, ll);
                    write_all(logfd, "\n", 1);
                }
                if (early < 0 && early_mark && strstr(lb, early_mark))
                    early = t;
                if (kernel < 0 && strstr(lb, "Linux version"))
                    kernel = t;
                if (init < 0 && strstr(lb, init_mark))
                    init = t;
                if (idle < 0 && idle_mark && strstr(lb, idle_mark))
                    idle = t;
                ll = 0;
            } else {
                lb[ll++] = c;
            }
        }
    }
    int status = 0;
    if (eof) /* the VMM closed its output: give it a moment to report its exit code */
        for (int k = 0; k < 100 && waitpid(pid, &status, WNOHANG) == 0; k++)
            usleep(10000);
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int ok = first >= 0 && init >= 0 && (!idle_mark || sampled);
    printf("SVPROBE ok=%d first_byte_ms=%.1f early_ms=%.1f kernel_ms=%.1f init_ms=%.1f rss_kb=%ld"
           " pss_kb=%ld guest_rss_kb=%ld guest_maps=%ld end=%s at_ms=%.0f vmm_status=%d\n",
           ok, first < 0 ? -1 : first - t0, early < 0 ? -1 : early - t0, kernel < 0 ? -1 : kernel - t0,
           init < 0 ? -1 : init - t0, sampled ? m.rss_kb : -1, sampled ? m.pss_kb : -1,
           sampled ? m.guest_rss_kb : -1, sampled ? m.guest_maps : -1, end, now_ms() - t0,
           eof ? code : -1);
    return ok ? 0 : 1;
}


/* Reads one '\n'-terminated line from fd into line (without CR/LF); 0 on EOF or timeout. */
static int read_line(int fd, char *line, size_t cap, double deadline)
{
    static char buf[65536];
    static size_t have;
    for (;;) {
        char *nl = memchr(buf, '\n', have);
        if (nl) {
            size_t len = (size_t)(nl - buf);
            size_t copy = len < cap - 1 ? len : cap - 1;
            memcpy(line, buf, copy);
            line[copy] = 0;
            if (copy && line[copy - 1] == '\r')
                line[copy - 1] = 0;
            memmove(buf, nl + 1, have - len - 1);
            have -= len + 1;
            return 1;
        }
        double left = deadline - now_ms();
        if (left <= 0 || have == sizeof(buf))
            return 0;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            return 0;
        ssize_t n = read(fd, buf + have, sizeof(buf) - have);
        if (n <= 0)
            return 0;
        have += (size_t)n;
    }
}

static int qmp(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: svhelper qmp PATH [JSON_COMMAND...]\n");
        return 2;
    }
    int s = connect_unix_retry(argv[2], now_ms() + 10000.0);
    if (s < 0)
        return -s;
    char line[65536];
    if (!read_line(s, line, sizeof(line), now_ms() + 5000.0)) {
        fprintf(stderr, "svhelper: no QMP greeting\n");
        return 1;
    }
    printf("%s\n", line);
    const char *caps = "{\"execute\":\"qmp_capabilities\"}";
    int missing = 0;
    for (int i = 2; i < argc; ++i) {
        const char *cmd = i == 2 ? caps : argv[i];
        if (write_all(s, cmd, strlen(cmd)) || write_all(s, "\r\n", 2)) {
            fprintf(stderr, "svhelper: write to QMP failed\n");
            return 1;
        }
        int replied = 0;
        while (!replied && read_line(s, line, sizeof(line), now_ms() + 10000.0)) {
            printf("%s\n", line);
            fflush(stdout);
            replied = strstr(line, "\"return\"") != NULL || strstr(line, "\"error\"") != NULL;
        }
        if (!replied) {
            fprintf(stderr, "svhelper: no reply to %s\n", cmd);
            missing++;
            break;
        }
    }
    double end = now_ms() + 2000.0;
    while (read_line(s, line, sizeof(line), end))
        printf("%s\n", line);
    close(s);
    return missing ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "sockread"))
        return sockread(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "probe"))
        return probe(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "qmp"))
        return qmp(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "uptime")) {
        printf("%.3f\n", now_ms() / 1000.0);
        return 0;
    }
    fprintf(stderr, "usage: svhelper sockread|probe|qmp|uptime ...\n");
    return 2;
}
