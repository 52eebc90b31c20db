// Closed-loop TCP echo client for `deno task bench:servers`.
//
//   echo_client HOST PORT CONNECTIONS SECONDS [SIZE [WARMUP]]
//
// Opens CONNECTIONS connections (TCP_NODELAY); each sends SIZE bytes (default 64) and waits until
// all SIZE bytes have come back before it sends again. After WARMUP seconds (default 1) it counts
// round trips for SECONDS seconds and prints one line: `round_trips=N seconds=S rate=R total=T`,
// where T counts the warm-up's round trips too (for CPU per round trip over the whole run). One
// thread, epoll: the other core is the server's. Exits 1 on a connection error or a wrong echo.
#define _GNU_SOURCE
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

struct conn {
  int fd;
  size_t got; // bytes of the current echo received
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SECONDS [SIZE [WARMUP]]\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]), nconn = atoi(argv[3]);
  double seconds = atof(argv[4]);
  size_t size = argc > 5 ? (size_t)atoi(argv[5]) : 64;
  double warmup = argc > 6 ? atof(argv[6]) : 1.0;
  if (nconn < 1 || seconds <= 0 || size < 1 || size > 65536 || warmup < 0) return 2;

  char *msg = malloc(size), *buf = malloc(size);
  for (size_t i = 0; i < size; i++) msg[i] = (char)('a' + i % 26);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return 2;

  int ep = epoll_create1(0);
  struct conn *conns = calloc(nconn, sizeof *conns);
  for (int i = 0; i < nconn; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
      perror("connect");
      return 1;
    }
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int i = 0; i < nconn; i++) {
    if (send_all(conns[i].fd, msg, size) < 0) {
      perror("send");
      return 1;
    }
  }

  struct epoll_event events[256];
  double start = now(), counted_from = start + warmup, end = counted_from + seconds;
  long long trips = 0, total = 0;
  int counting = 0;
  for (;;) {
    double t = now();
    if (!counting && t >= counted_from) {
      counting = 1;
      total += trips;
      trips = 0;
      counted_from = t;
    }
    if (t >= end) break;
    int n = epoll_wait(ep, events, 256, 100);
    if (n < 0 && errno != EINTR) {
      perror("epoll_wait");
      return 1;
    }
    for (int k = 0; k < n; k++) {
      struct conn *c = &conns[events[k].data.u32];
      ssize_t r = recv(c->fd, buf, size - c->got, 0);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        fprintf(stderr, "connection closed by the server\n");
        return 1;
      }
      if (memcmp(buf, msg + c->got, (size_t)r) != 0) {
        fprintf(stderr, "wrong echo\n");
        return 1;
      }
      c->got += (size_t)r;
      if (c->got == size) {
        c->got = 0;
        trips++;
        if (send_all(c->fd, msg, size) < 0) {
          perror("send");
          return 1;
        }
      }
    }
  }
  double took = now() - counted_from;
  printf("round_trips=%lld seconds=%.3f rate=%.0f total=%lld\n", trips, took, trips / took,
         total + trips);
  for (int i = 0; i < nconn; i++) close(conns[i].fd);
  return 0;
}
