/* A do-nothing program tests can start and trace: sleeps for argv[1] ms. */
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
    long ms = argc > 1 ? atol(argv[1]) : 100;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}
