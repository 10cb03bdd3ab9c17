/* Block I/O probe for tests/bench/blk_io: runs INSIDE the L2 guest (static,
 * copied into the guest initramfs as /bin/blkprobe).
 *
 *   blkprobe DEV MODE BS QD SECS [SPAN_MIB]
 *     MODE  seqread | seqwrite | randread | randwrite
 *     BS    block size in bytes (suffix k/m allowed)
 *     QD    requests in flight (Linux native AIO, io_submit/io_getevents)
 *     SECS  run for about this long (sequential modes also stop after one
 *           pass over SPAN_MIB, default: the whole device)
 *
 * DEV is opened with O_DIRECT so the guest's page cache is bypassed and every
 * request reaches the virtio-blk device. Prints one line:
 *   BLKIO mode=.. bs=.. qd=.. ios=.. bytes=.. secs=.. mibps=.. iops=..
 * Random offsets come from a fixed-seed xorshift, aligned to BS; writes carry
 * a non-zero pattern.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t parse_size(const char *s)
{
    char *end;
    uint64_t v = strtoull(s, &end, 10);
    if (*end == 'k' || *end == 'K')
        v <<= 10;
    else if (*end == 'm' || *end == 'M')
        v <<= 20;
    return v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: blkprobe DEV seqread|seqwrite|randread|randwrite BS QD SECS [SPAN_MIB]\n");
        return 2;
    }
    const char *mode = argv[2];
    int write = strstr(mode, "write") != NULL;
    int seq = strncmp(mode, "seq", 3) == 0;
    uint64_t bs = parse_size(argv[3]);
    int qd = atoi(argv[4]);
    double secs = atof(argv[5]);
    if (bs == 0 || bs % 512 || qd < 1 || qd > 256 || secs <= 0) {
        fprintf(stderr, "blkprobe: bad BS/QD/SECS\n");
        return 2;
    }
    int fd = open(argv[1], (write ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    uint64_t devsize = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        devsize = (uint64_t)st.st_size;  /* a plain file: for trying it out on a host */
    } else if (ioctl(fd, BLKGETSIZE64, &devsize) != 0) {
        perror("BLKGETSIZE64");
        return 1;
    }
    uint64_t span = argc > 6 ? parse_size(argv[6]) << 20 : devsize;
    if (span > devsize)
        span = devsize;
    uint64_t blocks = span / bs;
    if (blocks == 0) {
        fprintf(stderr, "blkprobe: device smaller than one block\n");
        return 1;
    }
    char *buf;
    if (posix_memalign((void **)&buf, 4096, bs * qd) != 0)
        return 1;
    for (uint64_t i = 0; i < bs * qd; i++)
        buf[i] = (char)(i * 131 + 7);

    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, qd, &ctx) != 0) {
        perror("io_setup");
        return 1;
    }
    struct iocb *cbs = calloc(qd, sizeof(*cbs));
    struct io_event *evs = calloc(qd, sizeof(*evs));
    uint64_t next_seq = 0, issued = 0, done = 0;
    double t0 = now_s(), deadline = t0 + secs;
    int stop = 0, inflight = 0;

    /* Submit one request on slot i; returns 0 when there is nothing left to do. */
#define SUBMIT(i)                                                                   \
    do {                                                                            \
        uint64_t blk = seq ? next_seq++ : xorshift() % blocks;                      \
        memset(&cbs[i], 0, sizeof(cbs[i]));                                         \
        cbs[i].aio_data = (uint64_t)(i);                                            \
        cbs[i].aio_fildes = fd;                                                     \
        cbs[i].aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;           \
        cbs[i].aio_buf = (uint64_t)(uintptr_t)(buf + (uint64_t)(i) * bs);           \
        cbs[i].aio_nbytes = bs;                                                     \
        cbs[i].aio_offset = (int64_t)(blk * bs);                                    \
        struct iocb *p = &cbs[i];                                                   \
        if (syscall(SYS_io_submit, ctx, 1, &p) != 1) {                              \
            perror("io_submit");                                                    \
            return 1;                                                               \
        }                                                                           \
        issued++;                                                                   \
        inflight++;                                                                 \
    } while (0)

    for (int i = 0; i < qd && (!seq || next_seq < blocks); i++)
        SUBMIT(i);
    while (inflight > 0) {
        long n = syscall(SYS_io_getevents, ctx, 1, qd, evs, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("io_getevents");
            return 1;
        }
        if (now_s() >= deadline)
            stop = 1;
        for (long k = 0; k < n; k++) {
            inflight--;
            if ((int64_t)evs[k].res != (int64_t)bs) {
                fprintf(stderr, "blkprobe: I/O returned %lld (expected %llu)\n",
                        (long long)evs[k].res, (unsigned long long)bs);
                return 1;
            }
            done++;
            int slot = (int)evs[k].data;
            if (!stop && (!seq || next_seq < blocks))
                SUBMIT(slot);
        }
    }
    if (write && fdatasync(fd) != 0) {
        perror("fdatasync");
        return 1;
    }
    double el = now_s() - t0;
    printf("BLKIO mode=%s bs=%llu qd=%d ios=%llu bytes=%llu secs=%.3f mibps=%.2f iops=%.0f\n",
           mode, (unsigned long long)bs, qd, (unsigned long long)done,
           (unsigned long long)(done * bs), el, done * bs / el / 1048576.0, done / el);
    (void)issued;
    return 0;
}
