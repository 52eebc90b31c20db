// C liburing baseline for bench/read_bench.ts: 4 KiB random reads at queue depth QD from a
// cached file, refilling the queue as CQEs arrive.
// Usage: read_bench <file> [qd=64] [reads=200000] [fixed=0] -> prints "iops <n>"
// fixed=1 registers the file and the buffers and uses READ_FIXED on fixed(0).
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long rng = 88172645463325252ULL;
static unsigned long long next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  unsigned qd = argc > 2 ? atoi(argv[2]) : 64;
  unsigned total = argc > 3 ? atoi(argv[3]) : 200000;
  int fixed = argc > 4 ? atoi(argv[4]) : 0;
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) return 1;
  struct stat st;
  fstat(fd, &st);
  unsigned long long blocks = st.st_size / 4096;
  struct io_uring ring;
  if (io_uring_queue_init(qd * 2, &ring, 0) < 0) return 1;
  io_uring_register_ring_fd(&ring);
  char *mem = aligned_alloc(4096, (size_t)qd * 4096);
  struct iovec *iov = calloc(qd, sizeof(*iov));
  for (unsigned i = 0; i < qd; i++) {
    iov[i].iov_base = mem + (size_t)i * 4096;
    iov[i].iov_len = 4096;
  }
  if (fixed) {
    if (io_uring_register_files(&ring, &fd, 1) < 0) return 1;
    if (io_uring_register_buffers(&ring, iov, qd) < 0) return 1;
  }
  double best = 0;
  for (int round = 0; round < 3; round++) {
    unsigned submitted = 0, done = 0, inflight = 0;
    double t0 = now();
    while (done < total) {
      while (inflight < qd && submitted < total) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        unsigned slot = submitted % qd;
        unsigned long long off = (next() % blocks) * 4096;
        if (fixed) {
          io_uring_prep_read_fixed(sqe, 0, iov[slot].iov_base, 4096, off, slot);
          sqe->flags |= IOSQE_FIXED_FILE;
        } else {
          io_uring_prep_read(sqe, fd, iov[slot].iov_base, 4096, off);
        }
        sqe->user_data = slot;
        submitted++;
        inflight++;
      }
      io_uring_submit_and_wait(&ring, 1);
      struct io_uring_cqe *cqe;
      unsigned head, n = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        if (cqe->res != 4096) return 3;
        n++;
      }
      io_uring_cq_advance(&ring, n);
      done += n;
      inflight -= n;
    }
    double rate = total / (now() - t0);
    if (rate > best) best = rate;
  }
  printf("iops %.0f\n", best);
  io_uring_queue_exit(&ring);
  return 0;
}
