/*
 * File I/O with known arguments, for the io trace's tests.
 *
 *   io_ops files PATH      every traced call on PATH (see the list below), then a
 *                          socket pair and a pipe (11 and 13 bytes each way)
 *   io_ops slow FIFO MS    read 2 bytes from FIFO, which a child writes MS ms after
 *                          opening it (a slow read), then 4 more (a fast read)
 *   io_ops threads N       N threads named io_reader block in read() on one pipe;
 *                          once all are blocked, 1 byte each is written; exits 0
 *   io_ops block           a thread named io_reader blocks in read() on a pipe
 *                          forever; "blocked TID" on stderr once it is (kill the
 *                          process to end it)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char* what) {
    perror(what);
    exit(1);
}

static void expect(long got, long want, const char* what) {
    if (got != want) {
        fprintf(stderr, "io_ops: %s returned %ld, expected %ld\n", what, got, want);
        exit(1);
    }
}

static char buf[8192];

static int files(const char* path) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) die(path);
    memset(buf, 'x', sizeof(buf));

    /* Writes: offsets 0 (position), 1000, 100 (position), 2000, 3000. */
    expect(write(fd, buf, 100), 100, "write");
    expect(pwrite(fd, buf, 50, 1000), 50, "pwrite64");
    struct iovec w3[3] = {{buf, 10}, {buf, 20}, {buf, 30}};
    expect(writev(fd, w3, 3), 60, "writev");
    struct iovec w2[2] = {{buf, 7}, {buf, 8}};
    expect(pwritev(fd, w2, 2, 2000), 15, "pwritev");
    struct iovec w1[1] = {{buf, 5}};
    expect(pwritev2(fd, w1, 1, 3000, 0), 5, "pwritev2");
    expect(fsync(fd), 0, "fsync");
    expect(fdatasync(fd), 0, "fdatasync");

    /* Reads: offsets 0 (position), 1000, 64 (position), 2000, 96 (position, -1). */
    expect(lseek(fd, 0, SEEK_SET), 0, "lseek");
    expect(read(fd, buf, 64), 64, "read");
    expect(pread(fd, buf, 32, 1000), 32, "pread64");
    struct iovec r2[2] = {{buf, 16}, {buf, 16}};
    expect(readv(fd, r2, 2), 32, "readv");
    struct iovec r2b[2] = {{buf, 4}, {buf, 4}};
    expect(preadv(fd, r2b, 2, 2000), 8, "preadv");
    struct iovec r1[1] = {{buf, 5}};
    expect(preadv2(fd, r1, 1, -1, 0), 5, "preadv2");
    expect(pread(fd, buf, 100, 5000), 0, "pread64 past the end");

    /* A failed call: reading a write-only fd. */
    int wo = open(path, O_WRONLY);
    if (wo < 0) die(path);
    expect(read(wo, buf, 7), -1, "read on a write-only fd");
    close(wo);
    close(fd);

    /* Not regular files: a socket pair and a pipe. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
    expect(write(sv[0], buf, 11), 11, "write to a socket");
    expect(read(sv[1], buf, 11), 11, "read from a socket");
    int p[2];
    if (pipe(p) != 0) die("pipe");
    expect(write(p[1], buf, 13), 13, "write to a pipe");
    expect(read(p[0], buf, 13), 13, "read from a pipe");
    return 0;
}

static int slow(const char* fifo, int ms) {
    pid_t writer = fork();
    if (writer < 0) die("fork");
    if (writer == 0) {
        int fd = open(fifo, O_WRONLY);
        if (fd < 0) die(fifo);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        expect(write(fd, "abcdef", 6), 6, "write to the fifo");
        _exit(0);
    }
    int fd = open(fifo, O_RDONLY);
    if (fd < 0) die(fifo);
    expect(read(fd, buf, 2), 2, "slow read");
    expect(read(fd, buf, 4), 4, "fast read");
    int status = 0;
    waitpid(writer, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int gate[2];

static void* reader(void* arg) {
    (void)arg;
    prctl(PR_SET_NAME, "io_reader");
    char c;
    if (read(gate[0], &c, 1) != 1) die("reader");
    return NULL;
}

/* True once thread `tid` of this process is inside read(2) (syscall number 0 on x86_64). */
static int in_read(pid_t tid) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    char text[32] = {0};
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    char want[8];
    snprintf(want, sizeof(want), "%d ", SYS_read);
    return n > 0 && strncmp(text, want, strlen(want)) == 0;
}

static pid_t tids[1024];
static int started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* counted_reader(void* arg) {
    pthread_mutex_lock(&lock);
    tids[started++] = (pid_t)syscall(SYS_gettid);
    pthread_mutex_unlock(&lock);
    return reader(arg);
}

static void wait_blocked(int n) {
    for (int tries = 0; tries < 20000; tries++) {
        pthread_mutex_lock(&lock);
        int ready = started == n;
        pthread_mutex_unlock(&lock);
        if (ready) {
            int blocked = 0;
            for (int i = 0; i < n; i++)
                blocked += in_read(tids[i]);
            if (blocked == n) return;
        }
        usleep(1000);
    }
    fprintf(stderr, "io_ops: readers never blocked\n");
    exit(1);
}

static int threads(int n) {
    if (n < 1 || n > 1024) return 2;
    prctl(PR_SET_NAME, "io_main");
    if (pipe(gate) != 0) die("pipe");
    pthread_t th[1024];
    for (int i = 0; i < n; i++) {
        if (pthread_create(&th[i], NULL, counted_reader, NULL) != 0) die("pthread_create");
    }
    wait_blocked(n);
    memset(buf, 'g', (size_t)n);
    expect(write(gate[1], buf, (size_t)n), n, "write to the readers");
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    return 0;
}

static int block(void) {
    prctl(PR_SET_NAME, "io_main");
    if (pipe(gate) != 0) die("pipe");
    pthread_t th;
    if (pthread_create(&th, NULL, counted_reader, NULL) != 0) die("pthread_create");
    wait_blocked(1);
    fprintf(stderr, "blocked %d\n", tids[0]);
    for (;;)
        pause();
}

int main(int argc, char** argv) {
    if (argc >= 3 && strcmp(argv[1], "files") == 0) return files(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "slow") == 0) return slow(argv[2], atoi(argv[3]));
    if (argc >= 3 && strcmp(argv[1], "threads") == 0) return threads(atoi(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "block") == 0) return block();
    fprintf(stderr, "usage: io_ops files PATH | slow FIFO MS | threads N | block\n");
    return 2;
}
