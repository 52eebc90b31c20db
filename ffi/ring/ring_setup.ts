/**
 * Setting up a ring: `RingOptions` as `IORING_SETUP_*` flags, `io_uring_setup(2)` through the
 * shim (again without `NO_SQARRAY` on kernels older than 6.6), an error that says what to change
 * when the kernel refuses, and the mapped ring memory that `Ring` builds its views on.
 *
 * @module
 */
import { type Feature, SetupFlag } from "../sys/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import { native } from "../sys/mod.ts";
import type { Native } from "../sys/mod.ts";
import { limitAdvice, readProc } from "../sys/mod.ts";

const { EINVAL } = Errno;

/** `sizeof(struct io_uring_params)`. */
const PARAMS_SIZE = 120;

/**
 * Options for `new Ring()`: every `IORING_SETUP_*` flag by name, plus the ring sizes.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { Ring, type RingOptions, SetupFlag } from "../../mod.ts";
 * const options: RingOptions = { entries: 8, cqEntries: 64, singleIssuer: true };
 * using ring = new Ring(options);
 * assertEquals([ring.sqEntries, ring.cqEntries], [8, 64]);
 * assert(ring.setupFlags & SetupFlag.SINGLE_ISSUER);
 * ```
 */
export interface RingOptions {
  /** SQ entries, rounded up to a power of two by the kernel; default 256. */
  entries?: number;
  /** CQ entries (`IORING_SETUP_CQSIZE`); the kernel's default is twice `entries`. */
  cqEntries?: number;
  /** Clamp too-large sizes to the maximum instead of failing (`IORING_SETUP_CLAMP`). */
  clamp?: boolean;
  /** A kernel thread polls the SQ (`IORING_SETUP_SQPOLL`): no syscall to submit while it runs. */
  sqpoll?: boolean;
  /** Milliseconds the SQPOLL thread spins before it sleeps. */
  sqThreadIdle?: number;
  /** CPU to pin the SQPOLL thread to (`IORING_SETUP_SQ_AFF`). */
  sqThreadCpu?: number;
  /** Share the io-wq worker pool (and SQPOLL thread) of this ring or ring fd (`ATTACH_WQ`). */
  attachWq?: { readonly fd: number } | number;
  /** Start disabled until `ring.enableRings()` (`IORING_SETUP_R_DISABLED`). */
  startDisabled?: boolean;
  /** Go on submitting after an SQE fails to prepare (`IORING_SETUP_SUBMIT_ALL`). */
  submitAll?: boolean;
  /** Run completion work only on kernel transitions (`IORING_SETUP_COOP_TASKRUN`). */
  coopTaskrun?: boolean;
  /** Flag pending task work in the SQ flags (`IORING_SETUP_TASKRUN_FLAG`). */
  taskrunFlag?: boolean;
  /** Only one thread submits (`IORING_SETUP_SINGLE_ISSUER`). */
  singleIssuer?: boolean;
  /** Run completion work only when this thread waits (`IORING_SETUP_DEFER_TASKRUN`). */
  deferTaskrun?: boolean;
  /** Busy-poll for completions of O_DIRECT I/O (`IORING_SETUP_IOPOLL`). */
  iopoll?: boolean;
  /** Hybrid sleep-then-poll for IOPOLL (`IORING_SETUP_HYBRID_IOPOLL`). */
  hybridIopoll?: boolean;
  /** 128-byte SQEs (`IORING_SETUP_SQE128`), for big `uring_cmd` payloads. */
  sqe128?: boolean;
  /** 32-byte CQEs (`IORING_SETUP_CQE32`). */
  cqe32?: boolean;
  /**
   * No SQ index array (`IORING_SETUP_NO_SQARRAY`, Linux 6.6): the kernel takes SQE `i` from SQ
   * position `i` directly, one indirection less per SQE. On by default where the kernel has it
   * (set up again without it on kernels that refuse it), as liburing 2.6+ does; `false` turns it
   * off.
   */
  noSqArray?: boolean;
  /** Register the ring fd with the ring to save an fd lookup per enter; default true. */
  registerRingFd?: boolean;
  /** Extra raw `IORING_SETUP_*` bits, OR-ed in. */
  flags?: number;
}

/**
 * The kernel's `IORING_FEAT_*` bits of a ring, one boolean each.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Ring, type RingFeatures } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const features: RingFeatures = ring.features;
 * assert(features.nodrop && features.submitStable && features.fastPoll); // Linux 5.5 to 5.7
 * ```
 */
export type RingFeatures = { readonly [K in keyof typeof Feature]: boolean };

/** Whether a seccomp filter is installed on this process (`Seccomp: 2` in `/proc/self/status`). */
function underSeccompFilter(): boolean {
  return /^Seccomp:\s*2\s*$/m.test(readProc("/proc/self/status"));
}

const ALLOW_IO_URING = "allow io_uring_setup, io_uring_enter and io_uring_register in the " +
  "seccomp profile (Docker: --security-opt seccomp=<profile with them>)";

/** What to change when `io_uring_setup(2)` fails with `errno`. */
function setupHint(errno: number): string {
  switch (errno) {
    case 1: {
      const disabled = readProc("/proc/sys/kernel/io_uring_disabled").trim();
      if (disabled === "2") {
        return "io_uring is disabled by kernel.io_uring_disabled=2; set it to 0 " +
          "(`sysctl -w kernel.io_uring_disabled=0`)";
      }
      if (disabled === "1") {
        const group = readProc("/proc/sys/kernel/io_uring_group").trim();
        return "kernel.io_uring_disabled=1 allows io_uring only to processes in group " +
          `kernel.io_uring_group=${group === "" ? "?" : group} (and CAP_SYS_ADMIN): add the ` +
          "user to that group, or `sysctl -w kernel.io_uring_disabled=0`";
      }
      return underSeccompFilter()
        ? "io_uring is blocked by this process's seccomp filter (Seccomp: 2 in " +
          "/proc/self/status), as container runtimes' default profiles do: " + ALLOW_IO_URING
        : "io_uring is not allowed here: check kernel.io_uring_disabled and the container's " +
          "seccomp profile";
    }
    case 12:
      return "not enough locked memory for the ring (the kernel charges ring memory to " +
        "RLIMIT_MEMLOCK for a process without CAP_IPC_LOCK, or to its memory cgroup): " +
        `${limitAdvice("RLIMIT_MEMLOCK")}, or use fewer entries`;
    case 23: {
      const max = readProc("/proc/sys/fs/file-max").trim();
      return `the system's open-file table is full (fs.file-max${max === "" ? "" : ` is ${max}`}` +
        "): close files, or raise it with `sysctl -w fs.file-max=<more>`";
    }
    case 24:
      return `the ring needs a file descriptor and this process has none left: ${
        limitAdvice("RLIMIT_NOFILE")
      }`;
    case 38:
      return underSeccompFilter()
        ? "io_uring is blocked by this process's seccomp filter (Seccomp: 2 in " +
          "/proc/self/status; some profiles answer ENOSYS), or the kernel has none: " +
          ALLOW_IO_URING
        : "this kernel has no io_uring (Linux 5.1 or newer with CONFIG_IO_URING)";
    case 22:
      return "the kernel rejected these options: check entries (1..32768) and the flag " +
        "combination (deferTaskrun needs singleIssuer, sqThreadCpu needs sqpoll)";
    default:
      return "";
  }
}

/** The `IORING_SETUP_*` bits `o` asks for. */
function optionFlags(o: RingOptions): number {
  let f = o.flags ?? 0;
  if (o.cqEntries !== undefined) f |= SetupFlag.CQSIZE;
  if (o.clamp) f |= SetupFlag.CLAMP;
  if (o.sqpoll) f |= SetupFlag.SQPOLL;
  if (o.sqThreadCpu !== undefined) f |= SetupFlag.SQ_AFF;
  if (o.attachWq !== undefined) f |= SetupFlag.ATTACH_WQ;
  if (o.startDisabled) f |= SetupFlag.R_DISABLED;
  if (o.submitAll) f |= SetupFlag.SUBMIT_ALL;
  if (o.coopTaskrun) f |= SetupFlag.COOP_TASKRUN;
  if (o.taskrunFlag) f |= SetupFlag.TASKRUN_FLAG;
  if (o.singleIssuer) f |= SetupFlag.SINGLE_ISSUER;
  if (o.deferTaskrun) f |= SetupFlag.DEFER_TASKRUN;
  if (o.iopoll) f |= SetupFlag.IOPOLL;
  if (o.hybridIopoll) f |= SetupFlag.HYBRID_IOPOLL | SetupFlag.IOPOLL;
  if (o.sqe128) f |= SetupFlag.SQE128;
  if (o.cqe32) f |= SetupFlag.CQE32;
  if (o.noSqArray !== false) f |= SetupFlag.NO_SQARRAY;
  if (f & (SetupFlag.NO_MMAP | SetupFlag.REGISTERED_FD_ONLY)) {
    throw new RangeError("NO_MMAP and REGISTERED_FD_ONLY rings are not supported by this binding");
  }
  return f >>> 0;
}

/** Throws a `RangeError` unless `n` is an integer in 0..`max`. */
export function checkCount(n: number, what: string, max: number = 0xffffffff): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${n}`);
  }
}

/** What `io_uring_setup(2)` gave: the ring, its sizes and flags, and its mapped memory. */
export interface RingSetup {
  lib: Native;
  /** The shim's `struct io_uring *`, for `uring_teardown`. */
  handle: Deno.PointerObject | null;
  fd: number;
  /** The `IORING_SETUP_*` flags the ring has (without `NO_SQARRAY` when it was retried). */
  flags: number;
  /** `IORING_FEAT_*` bits. */
  features: number;
  sqEntries: number;
  cqEntries: number;
  /** `struct io_uring_params` as words: the SQ ring offsets at word 10, the CQ ring's at 20. */
  params: Uint32Array;
  /** The SQ ring, the CQ ring (the same memory on single-mmap kernels) and the SQE array. */
  sqRing: ArrayBuffer;
  cqRing: ArrayBuffer;
  sqes: ArrayBuffer;
  sqesPtr: Deno.PointerObject;
  /** The kernel's SQ head, inside `sqRing`. */
  sqHeadPtr: Deno.PointerObject;
  /** The ring fd's registered index (`registerRingFd`), or -1 when it was not registered. */
  ringIndex: number;
}

/**
 * Checks `options` and sets up a ring with them.
 *
 * @throws {TypeError} / {RangeError} for bad options, before the kernel sees them
 * @throws {UringError} when the kernel refuses, with the likely cause
 */
export function setupRing(options: RingOptions): RingSetup {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  const entries = options.entries ?? 256;
  if (!Number.isInteger(entries) || entries < 1 || entries > 32768) {
    throw new RangeError(`entries must be an integer in 1..32768, got ${entries}`);
  }
  const flags = optionFlags(options);
  const lib = native();
  if (options.cqEntries !== undefined) checkCount(options.cqEntries, "cqEntries", 65536 * 8);
  const params = new Uint8Array(PARAMS_SIZE);
  const p32 = new Uint32Array(params.buffer);
  const out = new BigInt64Array(9);
  // the shim registers the ring fd in the same call (an older kernel refuses: the plain fd then)
  const registerFd = options.registerRingFd !== false ? 1 : 0;
  // Mapping the ring below needs Deno's pointer API, which a Deno.test with `permissions` (it
  // revokes --allow-ffi) or a path-scoped --allow-ffi denies: find out before the kernel makes a
  // ring that nothing could then tear down.
  Deno.UnsafePointer.create(0n);
  const setup = (f: number): number => {
    params.fill(0);
    p32[1] = options.cqEntries ?? 0;
    p32[2] = f;
    p32[3] = options.sqThreadCpu ?? 0;
    p32[4] = options.sqThreadIdle ?? 0;
    if (options.attachWq !== undefined) {
      p32[6] = typeof options.attachWq === "number" ? options.attachWq : options.attachWq.fd;
    }
    return lib.uring_setup(entries, params, new Uint8Array(out.buffer), registerFd);
  };
  let ret = setup(flags);
  if (ret === -EINVAL && options.noSqArray === undefined) {
    // Before Linux 6.6 the default NO_SQARRAY is unknown: set up without it, as liburing does.
    ret = setup(flags & ~SetupFlag.NO_SQARRAY);
  }
  if (ret < 0) throw new UringError(-ret, "io_uring_setup", setupHint(-ret));

  // out: [0] struct io_uring *, [1] [2] SQ ring address and size, [3] [4] the CQ ring's, [5] [6]
  // the SQE array's, [7] the ring fd, [8] its registered index or -errno
  const sqRingPtr = Deno.UnsafePointer.create(out[1])!;
  const sqRing = Deno.UnsafePointerView.getArrayBuffer(sqRingPtr, Number(out[2]));
  const cqRing = out[3] === out[1]
    ? sqRing
    : Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(out[3])!, Number(out[4]));
  const sqesPtr = Deno.UnsafePointer.create(out[5])!;
  return {
    lib,
    handle: Deno.UnsafePointer.create(out[0]),
    fd: Number(out[7]),
    flags: p32[2],
    features: p32[5],
    sqEntries: p32[0],
    cqEntries: p32[1],
    params: p32,
    sqRing,
    cqRing,
    sqes: Deno.UnsafePointerView.getArrayBuffer(sqesPtr, Number(out[6])),
    sqesPtr,
    sqHeadPtr: Deno.UnsafePointer.offset(sqRingPtr, p32[10])!,
    ringIndex: out[8] >= 0n ? Number(out[8]) : -1,
  };
}
