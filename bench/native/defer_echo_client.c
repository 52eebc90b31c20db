// Closed-loop TCP echo client: C connections, each sends a SIZE-byte message and waits for all
// of it back before sending the next, for SECS seconds (after a 0.3 s warm-up). Prints round trips/s.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: %s port conns secs size\n", argv[0]); return 2; }
  int port = atoi(argv[1]), n = atoi(argv[2]), size = atoi(argv[4]);
  double secs = atof(argv[3]);
  int ep = epoll_create1(0);
  int *fds = calloc(n, sizeof(int)), *got = calloc(n, sizeof(int));
  char *msg = malloc(size), *buf = malloc(65536);
  memset(msg, 'x', size);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (connect(fd, (void *)&a, sizeof a) < 0) { perror("connect"); return 1; }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fds[i] = fd;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (write(fd, msg, size) != size) { perror("write"); return 1; }
  }
  long count = 0; int counting = 0;
  double t0 = now(), start = t0 + 0.3, end = start + secs;
  struct epoll_event evs[256];
  for (;;) {
    double t = now();
    if (!counting && t >= start) { counting = 1; count = 0; }
    if (t >= end) break;
    int k = epoll_wait(ep, evs, 256, 100);
    for (int j = 0; j < k; j++) {
      int i = evs[j].data.u32;
      ssize_t r = read(fds[i], buf, 65536);
      if (r <= 0) { if (r < 0 && errno == EAGAIN) continue; fprintf(stderr, "conn %d closed (%zd)\n", i, r); return 1; }
      got[i] += r;
      while (got[i] >= size) { got[i] -= size; count++; if (write(fds[i], msg, size) != size) { perror("write"); return 1; } }
    }
  }
  printf("%.0f\n", count / secs);
  for (int i = 0; i < n; i++) close(fds[i]);
  return 0;
}
