// C liburing baseline for bench/nop_bench.ts: batches of NOPs, one io_uring_submit per batch.
// Usage: nop_bench [batch=128] [batches=20000] -> prints "ops_per_sec <n>"
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  unsigned batch = argc > 1 ? atoi(argv[1]) : 128;
  unsigned batches = argc > 2 ? atoi(argv[2]) : 20000;
  struct io_uring ring;
  struct io_uring_params p = {0};
  if (io_uring_queue_init_params(batch, &ring, &p) < 0) return 1;
  io_uring_register_ring_fd(&ring);
  struct io_uring_cqe *cqes[256];
  double best = 0;
  for (int round = 0; round < 5; round++) {
    double t0 = now();
    for (unsigned b = 0; b < batches; b++) {
      for (unsigned i = 0; i < batch; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        io_uring_prep_nop(sqe);
        sqe->user_data = i;
      }
      io_uring_submit(&ring);
      unsigned got = 0;
      while (got < batch) {
        unsigned n = io_uring_peek_batch_cqe(&ring, cqes, 256);
        if (n == 0) {
          io_uring_wait_cqe(&ring, cqes);
          continue;
        }
        io_uring_cq_advance(&ring, n);
        got += n;
      }
    }
    double rate = (double)batch * batches / (now() - t0);
    if (rate > best) best = rate;
  }
  printf("ops_per_sec %.0f\n", best);
  io_uring_queue_exit(&ring);
  return 0;
}
