// The C half of the binding: only what TypeScript cannot do itself.
//
// liburing 2.3's prep helpers are static inline, so SQEs are written from TypeScript straight into
// the mmap'd SQE array and this file never touches liburing's SQ bookkeeping
// (io_uring_get_sqe/io_uring_submit): TypeScript owns the SQ tail. What stays here is set-up and
// tear-down (io_uring_queue_init_params, the mmap'd pointers handed back), the raw io_uring_enter
// (uring_submit also zeroes the SQE slots the kernel consumed, so that TypeScript hands out zeroed
// SQEs without a fill call per batch) and io_uring_register system calls, and a table of struct
// offsets for the ABI test.
//
// Every function returns 0 or a positive value on success and -errno on failure.

#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

#ifndef IORING_SETUP_NO_SQARRAY
#define IORING_SETUP_NO_SQARRAY (1U << 16)
#endif
#ifndef IORING_ENTER_EXT_ARG
#define IORING_ENTER_EXT_ARG (1U << 3)
#endif

// Version of the ABI between this file and ffi/sys/symbols.ts; bump on any signature change. A
// variable, not a function: Deno reads it when it opens the library, where a function would cost
// a compiled call stub at every start.
SHIM_EXPORT const uint32_t uring_shim_abi = 5;

#ifndef IORING_REGISTER_RING_FDS
#define IORING_REGISTER_RING_FDS 20
#define IORING_UNREGISTER_RING_FDS 21
#endif

// Registers `fd` with its own ring (IORING_REGISTER_RING_FDS, Linux 5.18): io_uring_enter then
// takes the index and skips an fd lookup. Returns the index or -errno.
static int64_t register_ring_fd(int fd) {
  struct io_uring_rsrc_update up;
  memset(&up, 0, sizeof(up));
  up.offset = -1U;
  up.data = (uint64_t)fd;
  long ret = syscall(__NR_io_uring_register, fd, IORING_REGISTER_RING_FDS, &up, 1);
  if (ret < 0) return -errno;
  return ret == 1 ? (int64_t)up.offset : -EINVAL;
}

// Sets up a ring with io_uring_setup(2) and io_uring_queue_mmap. `p` is a struct io_uring_params
// (120 bytes), in and out. On success `out` receives, as u64: [0] the struct io_uring *, [1] SQ
// ring pointer, [2] SQ ring size, [3] CQ ring pointer, [4] CQ ring size, [5] SQE array pointer,
// [6] SQE array size in bytes, [7] the ring fd, [8] with `register_fd` the ring fd's registered
// index (RING_FDS), or -errno as an i64 where the kernel refused it (the ring works without).
SHIM_EXPORT int32_t uring_setup(uint32_t entries, struct io_uring_params *p, uint64_t *out,
                                uint32_t register_fd) {
  struct io_uring *ring = calloc(1, sizeof(*ring));
  if (ring == NULL) return -ENOMEM;
  // Not io_uring_queue_init_params: liburing 2.3 fills sq.array with the identity there, and with
  // IORING_SETUP_NO_SQARRAY (unknown to 2.3) sq_off.array is 0, so that loop would overwrite the
  // ring header (SQ/CQ head and tail, masks, flags). io_uring_queue_mmap only maps.
  long fd = syscall(__NR_io_uring_setup, entries, p);
  if (fd < 0) {
    free(ring);
    return -errno;
  }
  int ret = io_uring_queue_mmap((int)fd, p, ring);
  if (ret < 0) {
    close((int)fd);
    free(ring);
    return ret;
  }
  // TypeScript writes SQE i into slot i, so the SQ index array is the identity, filled once here
  // (liburing 2.3 would rewrite it on every flush). Rings without an index array skip this.
  if (!(p->flags & IORING_SETUP_NO_SQARRAY)) {
    for (unsigned i = 0; i < p->sq_entries; i++) ring->sq.array[i] = i;
  }
  unsigned sqe_size = sizeof(struct io_uring_sqe) * ((p->flags & IORING_SETUP_SQE128) ? 2 : 1);
  out[0] = (uint64_t)(uintptr_t)ring;
  out[1] = (uint64_t)(uintptr_t)ring->sq.ring_ptr;
  out[2] = ring->sq.ring_sz;
  out[3] = (uint64_t)(uintptr_t)ring->cq.ring_ptr;
  out[4] = ring->cq.ring_sz;
  out[5] = (uint64_t)(uintptr_t)ring->sq.sqes;
  out[6] = (uint64_t)sqe_size * p->sq_entries;
  out[7] = (uint64_t)ring->ring_fd;
  out[8] = (uint64_t)(register_fd ? register_ring_fd(ring->ring_fd) : -EINVAL);
  return 0;
}

// Unregisters the ring fd from registered index `ring_index` (none when negative), unmaps the
// rings, closes the ring fd and frees the handle from uring_setup. A registered ring fd holds a
// reference to the ring: closing the fd alone would keep the ring until the thread exits.
SHIM_EXPORT void uring_teardown(struct io_uring *ring, int32_t ring_index) {
  if (ring == NULL) return;
  if (ring_index >= 0) {
    struct io_uring_rsrc_update up;
    memset(&up, 0, sizeof(up));
    up.offset = (uint32_t)ring_index;
    syscall(__NR_io_uring_register, ring->ring_fd, IORING_UNREGISTER_RING_FDS, &up, 1);
  }
  io_uring_queue_exit(ring);
  free(ring);
}

static int32_t sys_enter(int32_t fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags,
                         void *arg, size_t argsz) {
  long ret = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz);
  return ret < 0 ? -errno : (int32_t)ret;
}

// io_uring_enter(2) without a signal mask, for the waiter that sleeps on a worker thread
// (TypeScript's nonblocking `uring_wait`).
SHIM_EXPORT int32_t uring_enter(int32_t fd, uint32_t to_submit, uint32_t min_complete,
                                uint32_t flags) {
  return sys_enter(fd, to_submit, min_complete, flags, NULL, 0);
}

// io_uring_enter(2) for Ring.submit, then zeroes the SQE slots the kernel has consumed: from SQ
// position `zeroed_to` (where TypeScript's zeroing stopped) up to the SQ head as it is after the
// call. Ring hands out SQEs that are already zero, so a prep writes only its own fields; doing
// the memset here, in the call the batch makes anyway, spares TypeScript a fill call per batch.
// `sqes`: the SQE array, `mask + 1` slots of `1 << sqe_shift` bytes (64, or 128 with SQE128).
// With `sqes` NULL, only the io_uring_enter: TypeScript's one synchronous enter (waits, SQPOLL
// rings, whose head moves on its own and which TypeScript zeroes itself), so that a program
// compiles one call stub for both.
SHIM_EXPORT int32_t uring_submit(int32_t fd, uint32_t to_submit, uint32_t min_complete,
                                 uint32_t flags, uint8_t *sqes, const uint32_t *khead,
                                 uint32_t zeroed_to, uint32_t mask, uint32_t sqe_shift) {
  int32_t ret = sys_enter(fd, to_submit, min_complete, flags, NULL, 0);
  if (sqes == NULL) return ret;
  uint32_t head = __atomic_load_n(khead, __ATOMIC_ACQUIRE);
  uint32_t n = head - zeroed_to;
  if (n > mask + 1) n = mask + 1;
  uint32_t at = zeroed_to & mask;
  uint32_t first = mask + 1 - at < n ? mask + 1 - at : n;
  memset(sqes + ((size_t)at << sqe_shift), 0, (size_t)first << sqe_shift);
  if (n > first) memset(sqes, 0, (size_t)(n - first) << sqe_shift);
  return ret;
}

// io_uring_enter(2) with IORING_ENTER_EXT_ARG and a timeout. `ts` is a struct __kernel_timespec
// (16 bytes: tv_sec, tv_nsec as i64), or NULL for no timeout.
SHIM_EXPORT int32_t uring_enter_timeout(int32_t fd, uint32_t to_submit, uint32_t min_complete,
                                        uint32_t flags, const struct __kernel_timespec *ts) {
  struct io_uring_getevents_arg arg;
  memset(&arg, 0, sizeof(arg));
  arg.ts = (uint64_t)(uintptr_t)ts;
  return sys_enter(fd, to_submit, min_complete, flags | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
}

// io_uring_register(2), raw: TypeScript builds the argument structs.
SHIM_EXPORT int32_t uring_register(int32_t fd, uint32_t opcode, void *arg, uint32_t nr_args) {
  long ret = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);
  return ret < 0 ? -errno : (int32_t)ret;
}

// getsockname(2): io_uring has no op for it, and AsyncRing.localAddr() needs the port the kernel
// chose. `addr` has room for `len` bytes; returns the address length or -errno.
SHIM_EXPORT int32_t uring_getsockname(int32_t fd, void *addr, uint32_t len) {
  socklen_t l = len;
  return getsockname(fd, (struct sockaddr *)addr, &l) < 0 ? -errno : (int32_t)l;
}

// eventfd(2): Deno has no eventfd, and Ring.registerEventfd() needs one. `flags` are EFD_*
// (EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE); returns the new fd or -errno.
SHIM_EXPORT int32_t uring_eventfd(uint32_t initval, int32_t flags) {
  int fd = eventfd(initval, flags);
  return fd < 0 ? -errno : fd;
}

// Writes the C compiler's view of the structs this binding writes from TypeScript, as u32 pairs
// of (name id, value); see ABI_FIELDS in ffi/abi.ts for the order. Returns the number of u32s.
SHIM_EXPORT uint32_t uring_abi(uint32_t *out, uint32_t cap) {
#define F(type, field) (uint32_t) offsetof(struct type, field)
  const uint32_t table[] = {
      sizeof(struct io_uring_sqe),
      sizeof(struct io_uring_cqe),
      F(io_uring_sqe, opcode),
      F(io_uring_sqe, flags),
      F(io_uring_sqe, ioprio),
      F(io_uring_sqe, fd),
      F(io_uring_sqe, off),
      F(io_uring_sqe, addr2),
      F(io_uring_sqe, addr),
      F(io_uring_sqe, splice_off_in),
      F(io_uring_sqe, len),
      F(io_uring_sqe, rw_flags),
      F(io_uring_sqe, poll32_events),
      F(io_uring_sqe, msg_flags),
      F(io_uring_sqe, timeout_flags),
      F(io_uring_sqe, user_data),
      F(io_uring_sqe, buf_index),
      F(io_uring_sqe, buf_group),
      F(io_uring_sqe, personality),
      F(io_uring_sqe, splice_fd_in),
      F(io_uring_sqe, file_index),
      F(io_uring_sqe, addr3),
      F(io_uring_sqe, cmd),
      F(io_uring_cqe, user_data),
      F(io_uring_cqe, res),
      F(io_uring_cqe, flags),
      sizeof(struct io_uring_params),
      F(io_uring_params, sq_off),
      F(io_uring_params, cq_off),
      sizeof(struct io_uring_buf),
      sizeof(struct io_uring_buf_reg),
      sizeof(struct io_uring_rsrc_register),
      sizeof(struct io_uring_rsrc_update2),
      sizeof(struct io_uring_probe),
      sizeof(struct io_uring_probe_op),
      sizeof(struct __kernel_timespec),
      sizeof(struct io_uring_getevents_arg),
  };
#undef F
  uint32_t n = sizeof(table) / sizeof(table[0]);
  if (n > cap) n = cap;
  memcpy(out, table, n * sizeof(uint32_t));
  return n;
}
