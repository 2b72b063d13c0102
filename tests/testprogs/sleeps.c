/* Calls of known length, for the latency histogram tests (--hist): sleep_us()
 * sleeps 8500 us 20 times, then 34000 us 5 times. Each length sits just above
 * a power of two of nanoseconds, because nanosleep never returns early but
 * may return late: 8.5 ms is in [2^23, 2^24) = [8.39 ms, 16.8 ms) unless 8 ms
 * late, 34 ms in [2^25, 2^26) = [33.6 ms, 67.1 ms) unless 33 ms late. On a
 * loaded 2-core machine a normal task woke up 2-8 ms late, so the program
 * asks for a real-time priority (root: the e2e tests) and 1 ns of timer
 * slack: then it runs as soon as its timer fires. Prints nothing. */
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

/* noipa: never inlined, so every call is a call the probe sees. */
__attribute__((noipa, used)) long sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
    return us;
}

int main(void) {
    struct sched_param param = {.sched_priority = 1};
    (void)sched_setscheduler(0, SCHED_FIFO, &param); /* best effort */
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    for (int i = 0; i < 20; ++i)
        sleep_us(8500);
    for (int i = 0; i < 5; ++i)
        sleep_us(34000);
    return 0;
}
