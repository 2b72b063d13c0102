/*
 * Allocation calls of distinctive sizes, for the malloc trace's tests. Waits
 * until a byte can be read from the FIFO argv[1] (so the tracer attaches
 * first; "-" does not wait), then calls, in this order:
 *   a = malloc(54321)          b = calloc(7, 1237)     c = realloc(a, 98765)
 *   d = realloc(NULL, 4321)    e = realloc(d, 0)       free(b)   free(c)   free(NULL)
 * and writes "a b c d e" in hex to stdout, without stdio (which would allocate).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "-") != 0) {
        int fd = open(argv[1], O_RDONLY);
        char c;
        if (fd < 0 || read(fd, &c, 1) != 1) return 2;
        close(fd);
    }
    /* volatile: the compiler must not pair up or elide the calls. */
    void* volatile a = malloc(54321);
    void* volatile b = calloc(7, 1237);
    void* volatile c = realloc(a, 98765);
    void* volatile nothing = NULL; /* a literal NULL lets the compiler call malloc instead */
    void* volatile d = realloc(nothing, 4321);
    void* volatile e = realloc(d, 0);
    free(b);
    free(c);
    free(nothing);

    char line[128];
    int n = snprintf(line, sizeof(line), "%lx %lx %lx %lx %lx\n", (unsigned long)a,
                     (unsigned long)b, (unsigned long)c, (unsigned long)d, (unsigned long)e);
    return write(STDOUT_FILENO, line, (size_t)n) == n ? 0 : 1;
}
