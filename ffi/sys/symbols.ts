/**
 * The native shim's symbol table: the one place that says how TypeScript calls C.
 *
 * Hot-path calls (`uring_enter`, `uring_submit`) take only i32/u32 and pointer parameters so that
 * V8 keeps its fast call; `nonblocking: true` is set only on the aliases that sleep in the kernel
 * for the async layer.
 *
 * @module
 */
import { libcSymbols } from "./_libc.ts";

/** The value the library's `uring_shim_abi` must hold; bumped with any signature change. */
export const SHIM_VERSION = 5;

/** Symbols of `native/uring_shim.c`, as `Deno.dlopen` wants them. */
export const symbols = {
  /**
   * `const uint32_t uring_shim_abi`: the ABI version, {@link SHIM_VERSION}. A variable, read when
   * the library is opened (a function would cost a call stub); `null` in a library older than it.
   */
  uring_shim_abi: { type: "u32", optional: true },
  /** int32_t uring_setup(uint32_t entries, struct io_uring_params *p, uint64_t *out,
   *  uint32_t register_fd) */
  uring_setup: {
    parameters: [
      "u32", // uint32_t entries
      "buffer", // struct io_uring_params *p (in/out, 120 bytes)
      "buffer", // uint64_t out[9]
      "u32", // uint32_t register_fd: also register the ring fd (out[8]: its index, or -errno)
    ],
    result: "i32",
  },
  /** void uring_teardown(struct io_uring *ring, int32_t ring_index) */
  uring_teardown: {
    parameters: [
      "pointer", // struct io_uring *ring
      "i32", // int32_t ring_index: the registered ring fd to unregister first, or -1
    ],
    result: "void",
  },
  /** int32_t uring_submit(int32_t fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags,
   *  uint8_t *sqes, const uint32_t *khead, uint32_t zeroed_to, uint32_t mask,
   *  uint32_t sqe_shift): io_uring_enter, then (unless `sqes` is null) zeroes the SQE slots the
   *  kernel consumed; with `sqes` null, the module's one synchronous io_uring_enter */
  uring_submit: {
    parameters: [
      "i32", // int32_t fd (or registered ring index)
      "u32", // uint32_t to_submit
      "u32", // uint32_t min_complete
      "u32", // uint32_t flags (IORING_ENTER_*)
      "pointer", // uint8_t *sqes
      "pointer", // const uint32_t *khead
      "u32", // uint32_t zeroed_to: SQ position up to which the slots are zero
      "u32", // uint32_t mask: SQ ring mask
      "u32", // uint32_t sqe_shift: 6, or 7 with SQE128
    ],
    result: "i32",
  },
  /** int32_t uring_enter(int32_t fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags),
   *  on a worker thread: the event loop goes on while it sleeps. */
  uring_wait: {
    name: "uring_enter",
    parameters: [
      "i32", // int32_t fd (the real fd: registered indexes are per thread)
      "u32", // uint32_t to_submit
      "u32", // uint32_t min_complete
      "u32", // uint32_t flags
    ],
    result: "i32",
    nonblocking: true,
  },
  /** int32_t uring_enter_timeout(int32_t fd, uint32_t to_submit, uint32_t min_complete,
   *  uint32_t flags, const struct __kernel_timespec *ts) */
  uring_enter_timeout: {
    parameters: [
      "i32", // int32_t fd
      "u32", // uint32_t to_submit
      "u32", // uint32_t min_complete
      "u32", // uint32_t flags
      "buffer", // const struct __kernel_timespec *ts (16 bytes) or NULL
    ],
    result: "i32",
  },
  /** int32_t uring_register(int32_t fd, uint32_t opcode, void *arg, uint32_t nr_args) */
  uring_register: {
    parameters: [
      "i32", // int32_t fd
      "u32", // uint32_t opcode (IORING_REGISTER_*)
      "buffer", // void *arg
      "u32", // uint32_t nr_args
    ],
    result: "i32",
  },
  /** int32_t uring_getsockname(int32_t fd, void *addr, uint32_t len) */
  uring_getsockname: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // void *addr (sockaddr_storage)
      "u32", // uint32_t len
    ],
    result: "i32",
  },
  /** int32_t uring_eventfd(uint32_t initval, int32_t flags) */
  uring_eventfd: {
    parameters: [
      "u32", // uint32_t initval
      "i32", // int32_t flags (EFD_*)
    ],
    result: "i32",
  },
  /**
   * libc's `memmove` (`_libc.ts`), found through the library's dependencies: with n = 0 it returns
   * the address of `dest` (`_memory.ts`). Opened with the shim's first functions because every op
   * needs buffer addresses: one `dlopen` instead of two.
   */
  memmove: libcSymbols.memmove,
  /** uint32_t uring_abi(uint32_t *out, uint32_t cap) */
  uring_abi: {
    parameters: [
      "buffer", // uint32_t *out
      "u32", // uint32_t cap
    ],
    result: "u32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library's functions. */
export type Native = Deno.DynamicLibrary<typeof symbols>["symbols"];

/**
 * The symbols in the groups the loader opens them in (`_grouped.ts`): what making a ring and
 * running ops on it needs at once, the rest at its first use. `Deno.dlopen` compiles a call stub
 * per function (~0.2 ms each, `nonblocking` ones excepted), so the first group is as small as a
 * first op allows.
 */
export const SYMBOL_GROUPS = {
  ring: [
    "uring_shim_abi",
    "uring_setup",
    "uring_submit",
    "uring_wait",
    "memmove", // buffer addresses
  ],
  /** Closing a ring. */
  teardown: ["uring_teardown"],
  /** Registrations (buffers, files, probes) other than the ring fd's, made by `uring_setup`. */
  register: ["uring_register"],
  more: [
    "uring_enter_timeout",
    "uring_getsockname",
    "uring_eventfd",
    "uring_abi",
  ],
} as const satisfies Record<string, readonly (keyof typeof symbols)[]>;
