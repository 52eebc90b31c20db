// C liburing baselines for bench/*.ts, built as native/build/libliburing_bench.so and called
// in-process through Deno.dlopen, in short rounds interleaved with the TypeScript rounds: both
// sides then run in the same process, on the same kernel configuration, under the same load.
//
// Each function runs one timed round and returns its elapsed seconds (CLOCK_MONOTONIC), or a
// negative number on error (-errno, or SHORT_READ = -1e9 for a short read). The rings (and buffers and
// registrations) live in statics between calls and are re-created when the parameters change, so
// a round measures the loop only.
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#ifndef IORING_SETUP_NO_SQARRAY
#define IORING_SETUP_NO_SQARRAY (1U << 16)
#endif

#define BLOCK 4096
/** What bench_read returns for a read of fewer than 4096 bytes. */
#define SHORT_READ (-1e9)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// A ring set up the way the TypeScript Ring does it (native/uring_shim.c's uring_setup): the raw
// io_uring_setup(2) and io_uring_queue_mmap, not io_uring_queue_init_params, which in liburing 2.3
// fills an identity SQ index array at sq_off.array, 0 on NO_SQARRAY rings (over the ring header).
// Then the ring fd is registered, as Ring does by default.
struct bench_ring {
  struct io_uring ring;
  int live;
  unsigned entries, flags;
};

static void ring_close(struct bench_ring *r) {
  if (!r->live) return;
  io_uring_queue_exit(&r->ring);
  r->live = 0;
}

static int ring_open(struct bench_ring *r, unsigned entries, unsigned flags) {
  ring_close(r);
  struct io_uring_params p;
  memset(&p, 0, sizeof(p));
  p.flags = flags;
  long fd = syscall(__NR_io_uring_setup, entries, &p);
  if (fd < 0) return -errno;
  memset(&r->ring, 0, sizeof(r->ring));
  int ret = io_uring_queue_mmap((int)fd, &p, &r->ring);
  if (ret < 0) {
    close((int)fd);
    return ret;
  }
  if (!(p.flags & IORING_SETUP_NO_SQARRAY)) {
    for (unsigned i = 0; i < p.sq_entries; i++) r->ring.sq.array[i] = i;
  }
  ret = io_uring_register_ring_fd(&r->ring);
  if (ret < 0) {
    io_uring_queue_exit(&r->ring);
    return ret;
  }
  r->live = 1;
  r->entries = entries;
  r->flags = flags;
  return 0;
}

// Reaps `want` CQEs of a batch just submitted (peek + advance, as a liburing program would),
// checking each res against `expect` unless it is negative. Returns 0, or an error or SHORT_READ.
static int reap_batch(struct io_uring *ring, unsigned want, int expect) {
  struct io_uring_cqe *cqes[256];
  unsigned got = 0;
  while (got < want) {
    unsigned n = io_uring_peek_batch_cqe(ring, cqes, 256);
    if (n == 0) {
      int ret = io_uring_wait_cqe(ring, cqes);
      if (ret < 0) return ret;
      continue;
    }
    if (expect >= 0) {
      for (unsigned i = 0; i < n; i++) {
        if (cqes[i]->res != expect) return cqes[i]->res < 0 ? cqes[i]->res : (int)SHORT_READ;
      }
    }
    io_uring_cq_advance(ring, n);
    got += n;
  }
  return 0;
}

// ---- NOPs ---------------------------------------------------------------------------------

static struct bench_ring nop_ring;

static double nop_loop(struct io_uring *ring, unsigned batch, unsigned batches) {
  double t0 = now();
  for (unsigned b = 0; b < batches; b++) {
    for (unsigned i = 0; i < batch; i++) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
      io_uring_prep_nop(sqe);
      sqe->user_data = i;
    }
    int ret = io_uring_submit(ring);
    if (ret < 0) return ret;
    ret = reap_batch(ring, batch, -1);
    if (ret < 0) return ret;
  }
  return now() - t0;
}

// `batches` times: `batch` NOPs, one io_uring_submit, then reaped with io_uring_peek_batch_cqe and
// io_uring_cq_advance until all `batch` CQEs are seen. The ring has `batch` entries.
EXPORT double bench_nop(unsigned batch, unsigned batches, unsigned setup_flags) {
  struct bench_ring *r = &nop_ring;
  if (batch == 0) return -EINVAL;
  if (!r->live || r->entries != batch || r->flags != setup_flags) {
    int ret = ring_open(r, batch, setup_flags);
    if (ret < 0) return ret;
  }
  double t = nop_loop(&r->ring, batch, batches);
  if (t < 0) ring_close(r); // CQEs may be left behind: start afresh next time
  return t;
}

// ---- 4 KiB reads --------------------------------------------------------------------------

// One per (fixed, continuous) pair, so that rounds of different kinds do not tear down each
// other's ring.
struct read_state {
  struct bench_ring r;
  int fd;
  unsigned qd;
  int fixed;
  char *mem;
  struct iovec *iov;
};
static struct read_state read_states[2][2];
static unsigned long long read_cursor;

static void read_close(struct read_state *s) {
  ring_close(&s->r); // unregisters files and buffers with the ring
  free(s->mem);
  free(s->iov);
  s->mem = NULL;
  s->iov = NULL;
}

static int read_open(struct read_state *s, int fd, unsigned entries, unsigned qd, int fixed,
                     unsigned flags) {
  read_close(s);
  s->mem = aligned_alloc(BLOCK, (size_t)qd * BLOCK);
  s->iov = calloc(qd, sizeof(*s->iov));
  if (s->mem == NULL || s->iov == NULL) {
    read_close(s);
    return -ENOMEM;
  }
  memset(s->mem, 0, (size_t)qd * BLOCK);
  for (unsigned i = 0; i < qd; i++) {
    s->iov[i].iov_base = s->mem + (size_t)i * BLOCK;
    s->iov[i].iov_len = BLOCK;
  }
  int ret = ring_open(&s->r, entries, flags);
  if (ret == 0 && fixed) {
    ret = io_uring_register_files(&s->r.ring, &fd, 1);
    if (ret == 0) ret = io_uring_register_buffers(&s->r.ring, s->iov, qd);
  }
  if (ret < 0) {
    read_close(s);
    return ret;
  }
  s->fd = fd;
  s->qd = qd;
  s->fixed = fixed;
  return 0;
}

static inline void prep_read(struct read_state *s, struct io_uring_sqe *sqe, unsigned slot,
                             unsigned long long off) {
  if (s->fixed) {
    io_uring_prep_read_fixed(sqe, 0, s->iov[slot].iov_base, BLOCK, off, slot);
    sqe->flags |= IOSQE_FIXED_FILE;
  } else {
    io_uring_prep_read(sqe, s->fd, s->iov[slot].iov_base, BLOCK, off);
  }
  sqe->user_data = slot;
}

static double read_loop(struct read_state *s, const uint32_t *blocks, unsigned nblocks,
                        unsigned reads, int continuous) {
  struct io_uring *ring = &s->r.ring;
  struct io_uring_cqe *cqes[256];
  unsigned qd = s->qd;
  unsigned long long k = read_cursor;
  double t0 = now();
  if (!continuous) {
    for (unsigned done = 0; done < reads; done += qd) {
      for (unsigned i = 0; i < qd; i++) {
        prep_read(s, io_uring_get_sqe(ring), i, (unsigned long long)blocks[k++ % nblocks] * BLOCK);
      }
      int ret = io_uring_submit(ring);
      if (ret < 0) return ret;
      ret = reap_batch(ring, qd, BLOCK);
      if (ret < 0) return ret;
    }
  } else {
    // Slots come back in any order: a stack of the free ones.
    unsigned free_slots[qd];
    unsigned nfree = qd;
    for (unsigned i = 0; i < qd; i++) free_slots[i] = i;
    unsigned submitted = 0, done = 0;
    while (done < reads) {
      while (nfree > 0 && submitted < reads) {
        unsigned slot = free_slots[--nfree];
        prep_read(s, io_uring_get_sqe(ring), slot,
                  (unsigned long long)blocks[k++ % nblocks] * BLOCK);
        submitted++;
      }
      int ret = io_uring_submit_and_wait(ring, 1);
      if (ret < 0) return ret;
      unsigned n;
      while ((n = io_uring_peek_batch_cqe(ring, cqes, 256)) > 0) {
        for (unsigned i = 0; i < n; i++) {
          if (cqes[i]->res != BLOCK) return cqes[i]->res < 0 ? cqes[i]->res : SHORT_READ;
          free_slots[nfree++] = (unsigned)cqes[i]->user_data;
        }
        io_uring_cq_advance(ring, n);
        done += n;
      }
    }
  }
  double t = now() - t0;
  read_cursor = k;
  return t;
}

// `reads` 4 KiB reads of `fd` at offsets blocks[k++ % nblocks] * 4096 (k carries on from call to
// call), into `qd` page-aligned buffers, on a ring of `entries` entries. `fixed`: `fd` is
// registered as fixed file 0 and the buffers as fixed buffers, and the reads are READ_FIXED on
// fixed file 0. `continuous` = 0: rounds of qd reads, one io_uring_submit, reaped until all qd
// CQEs are seen (bench/read_bench.ts); 1: qd reads kept in flight, refilled as CQEs arrive, one
// io_uring_submit_and_wait(1) per refill (bench/async_bench.ts's 64 lanes). `reads` is rounded
// up to a multiple of qd when continuous is 0.
EXPORT double bench_read(int fd, unsigned entries, unsigned qd, const uint32_t *blocks,
                         unsigned nblocks, unsigned reads, int fixed, int continuous,
                         unsigned setup_flags) {
  if (qd == 0 || qd > entries || nblocks == 0) return -EINVAL;
  fixed = fixed != 0;
  continuous = continuous != 0;
  struct read_state *s = &read_states[fixed][continuous];
  if (!s->r.live || s->fd != fd || s->qd != qd || s->r.entries != entries ||
      s->r.flags != setup_flags) {
    int ret = read_open(s, fd, entries, qd, fixed, setup_flags);
    if (ret < 0) return ret;
  }
  double t = read_loop(s, blocks, nblocks, reads, continuous);
  if (t < 0) read_close(s); // reads may be left in flight: start afresh next time
  return t;
}

// Tears down every ring and frees the buffers (the fds passed in stay open: they are the
// caller's).
EXPORT void bench_close(void) {
  ring_close(&nop_ring);
  for (int f = 0; f < 2; f++) {
    for (int c = 0; c < 2; c++) read_close(&read_states[f][c]);
  }
}
