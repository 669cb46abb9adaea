/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Not a test: stands in for systemd's notification socket. Binds an AF_UNIX datagram socket
 * at PATH and prints every message it receives, one per line (newlines inside a message
 * become spaces), until SECONDS pass. Usage: notify-listen PATH SECONDS */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timespec start, now;
        char buf[4096];
        int fd, seconds;

        if (argc != 3 || strlen(argv[1]) >= sizeof sa.sun_path) {
                fprintf(stderr, "Usage: notify-listen PATH SECONDS\n");
                return EXIT_FAILURE;
        }
        seconds = atoi(argv[2]);
        strcpy(sa.sun_path, argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                perror("notify-listen");
                return EXIT_FAILURE;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec >= seconds)
                        break;
                if (poll(&p, 1, 100) <= 0)
                        continue;
                n = recv(fd, buf, sizeof buf - 1, 0);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                for (char *c = buf; *c; c++)
                        if (*c == '\n')
                                *c = ' ';
                printf("%s\n", buf);
        }
        unlink(argv[1]);
        return EXIT_SUCCESS;
}
