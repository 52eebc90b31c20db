// The C liburing limit for bench/files_bench.ts, built as native/build/libfiles_bench.so and
// called in-process through Deno.dlopen, in rounds interleaved with the TypeScript ones.
//
// bench_read_files reads `n` whole files the way the C program does: per file one
// hard-linked chain openat_direct(slot) -> read(fixed slot, chunk bytes) [-> read(1 byte), with
// `probe` bit 0, what readFiles() adds to tell the end of a file from a short read] ->
// close_direct, `depth` files in flight, a new chain as soon as one ends. With `probe` bit 1,
// each file's bytes are also copied out into a malloc'd buffer of their own, kept until the call
// ends (as readFiles() hands each result over in an ArrayBuffer of its own), then freed. The ring and its sparse file table
// are set up and torn down inside the timed round, as readFiles() does per call. Returns the
// elapsed seconds, or -errno; -1e9 when a file did not read `expect` bytes.
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))
#define WRONG_SIZE (-1e9)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum { OPEN, READ, PROBE, CLOSE };

// paths: NUL-terminated paths back to back; offsets[i]: where path i starts.
EXPORT double bench_read_files(const char *paths, const uint32_t *offsets, uint32_t n,
                               uint32_t depth, uint32_t chunk, int32_t probe, int32_t expect) {
  double t0 = now();
  unsigned entries = 8;
  while (entries < depth * 4 + 4) entries *= 2;
  struct io_uring ring;
  struct io_uring_params p;
  memset(&p, 0, sizeof(p));
  int ret = io_uring_queue_init_params(entries, &ring, &p);
  if (ret < 0) return ret;
  double result = -EINVAL;
  uint8_t *bufs = NULL, *probes = NULL;
  uint32_t *slot_file = NULL;
  int32_t *got = NULL;
  uint8_t **copies = NULL;
  int copy = (probe & 2) != 0;
  probe &= 1;
  ret = io_uring_register_files_sparse(&ring, depth);
  if (ret < 0) {
    result = ret;
    goto out;
  }
  if (posix_memalign((void **)&bufs, 4096, (size_t)depth * chunk)) goto out;
  probes = malloc(depth);
  slot_file = malloc(depth * sizeof(*slot_file));
  got = malloc(depth * sizeof(*got));
  if (copy) copies = calloc(n, sizeof(*copies));
  if (!probes || !slot_file || !got || (copy && !copies)) goto out;
  uint32_t next = 0, done = 0, free_top = 0;
  uint32_t *stack = malloc(depth * sizeof(*stack));
  if (!stack) goto out;
  for (uint32_t i = 0; i < depth; i++) stack[free_top++] = depth - 1 - i;
  result = 0;
  while (done < n) {
    while (free_top > 0 && next < n) {
      uint32_t slot = stack[--free_top];
      slot_file[slot] = next;
      got[slot] = 0;
      struct io_uring_sqe *s = io_uring_get_sqe(&ring);
      io_uring_prep_openat_direct(s, AT_FDCWD, paths + offsets[next], O_RDONLY, 0, slot);
      s->flags |= IOSQE_IO_HARDLINK;
      s->user_data = (uint64_t)slot * 4 + OPEN;
      s = io_uring_get_sqe(&ring);
      io_uring_prep_read(s, slot, bufs + (size_t)slot * chunk, chunk, probe ? -1 : 0);
      s->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
      s->user_data = (uint64_t)slot * 4 + READ;
      if (probe) {
        s = io_uring_get_sqe(&ring);
        io_uring_prep_read(s, slot, probes + slot, 1, -1);
        s->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
        s->user_data = (uint64_t)slot * 4 + PROBE;
      }
      s = io_uring_get_sqe(&ring);
      io_uring_prep_close_direct(s, slot);
      s->user_data = (uint64_t)slot * 4 + CLOSE;
      next++;
    }
    ret = io_uring_submit_and_wait(&ring, 1);
    if (ret < 0) {
      result = ret;
      break;
    }
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      uint32_t slot = cqe->user_data >> 2, step = cqe->user_data & 3;
      if (step == READ) got[slot] = cqe->res;
      else if (step == PROBE && cqe->res != 0) got[slot] = -1;
      else if (step == CLOSE) {
        if (copy && got[slot] > 0) {
          uint8_t *c = malloc(got[slot]);
          if (c) memcpy(c, bufs + (size_t)slot * chunk, got[slot]);
          copies[slot_file[slot]] = c;
        }
        if (got[slot] != expect && result == 0) result = WRONG_SIZE;
        stack[free_top++] = slot;
        done++;
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
  free(stack);
out:
  io_uring_queue_exit(&ring);
  free(bufs);
  free(probes);
  free(slot_file);
  free(got);
  if (copies) {
    for (uint32_t i = 0; i < n; i++) free(copies[i]);
    free(copies);
  }
  return result == 0 ? now() - t0 : result;
}
