// Coverage of the io_uring opcodes: every opcode 0..62 has a prepX on Sqe that writes it, and
// every opcode the running kernel supports is run by some test file.
import { assert, assertEquals, assertGreater, assertGreaterOrEqual } from "@std/assert";
import { fixed, type FixedBufferSource, MsgHdr, Op, Ring, Sqe, SqeFlag } from "../../ffi/mod.ts";

/** For each opcode, the `Sqe` methods that produce it, with arguments that prepare it. */
const b = () => new Uint8Array(64);
const fixedBufs: FixedBufferSource = {
  count: 1,
  size: 64,
  _address: () => 4096,
  _kernelIndex: (i: number) => i,
};
const msg = () => new MsgHdr({ iov: [b()] });
const word = () => new Int32Array(new SharedArrayBuffer(4));

type Preps = Record<string, (s: Sqe) => void>;
const OPCODES: Record<number, Preps> = {
  [Op.NOP]: { prepNop: (s) => s.prepNop() },
  [Op.READV]: { prepReadv: (s) => s.prepReadv(0, [b()], 0) },
  [Op.WRITEV]: { prepWritev: (s) => s.prepWritev(0, [b()], 0) },
  [Op.FSYNC]: { prepFsync: (s) => s.prepFsync(0) },
  [Op.READ_FIXED]: { prepReadFixed: (s) => s.prepReadFixed(0, fixedBufs, 0, 0) },
  [Op.WRITE_FIXED]: { prepWriteFixed: (s) => s.prepWriteFixed(0, fixedBufs, 0, 0) },
  [Op.POLL_ADD]: {
    prepPollAdd: (s) => s.prepPollAdd(0, 1),
    prepPollMultishot: (s) => s.prepPollMultishot(0, 1),
  },
  [Op.POLL_REMOVE]: {
    prepPollRemove: (s) => s.prepPollRemove(1),
    prepPollUpdate: (s) => s.prepPollUpdate(1, 2, 1, 0),
  },
  [Op.SYNC_FILE_RANGE]: { prepSyncFileRange: (s) => s.prepSyncFileRange(0, 0, 0) },
  [Op.SENDMSG]: { prepSendmsg: (s) => s.prepSendmsg(0, msg()) },
  [Op.RECVMSG]: {
    prepRecvmsg: (s) => s.prepRecvmsg(0, msg()),
    prepRecvmsgMultishot: (s) => s.prepRecvmsgMultishot(0, msg(), 0, 1),
  },
  [Op.TIMEOUT]: { prepTimeout: (s) => s.prepTimeout(1) },
  [Op.TIMEOUT_REMOVE]: {
    prepTimeoutRemove: (s) => s.prepTimeoutRemove(1),
    prepTimeoutUpdate: (s) => s.prepTimeoutUpdate(1, 1),
  },
  [Op.ACCEPT]: {
    prepAccept: (s) => s.prepAccept(0),
    prepAcceptDirect: (s) => s.prepAcceptDirect(0, null, null, 0, 0),
    prepMultishotAccept: (s) => s.prepMultishotAccept(0),
    prepMultishotAcceptDirect: (s) => s.prepMultishotAcceptDirect(0),
  },
  [Op.ASYNC_CANCEL]: {
    prepCancel: (s) => s.prepCancel(1),
    prepCancelFd: (s) => s.prepCancelFd(0),
  },
  [Op.LINK_TIMEOUT]: { prepLinkTimeout: (s) => s.prepLinkTimeout(1) },
  [Op.CONNECT]: { prepConnect: (s) => s.prepConnect(0, b()) },
  [Op.FALLOCATE]: { prepFallocate: (s) => s.prepFallocate(0, 0, 0, 1) },
  [Op.OPENAT]: {
    prepOpenat: (s) => s.prepOpenat(-100, "/x", 0),
    prepOpenatDirect: (s) => s.prepOpenatDirect(-100, "/x", 0, 0, 0),
  },
  [Op.CLOSE]: {
    prepClose: (s) => s.prepClose(0),
    prepCloseDirect: (s) => s.prepCloseDirect(0),
  },
  [Op.FILES_UPDATE]: { prepFilesUpdate: (s) => s.prepFilesUpdate(Int32Array.of(0), 0) },
  [Op.STATX]: { prepStatx: (s) => s.prepStatx(-100, "/", 0, 0, new Uint8Array(256)) },
  [Op.READ]: { prepRead: (s) => s.prepRead(0, b(), 0) },
  [Op.WRITE]: { prepWrite: (s) => s.prepWrite(0, b(), 0) },
  [Op.FADVISE]: { prepFadvise: (s) => s.prepFadvise(0, 0, 0, 0) },
  [Op.MADVISE]: { prepMadvise: (s) => s.prepMadvise(b(), 0) },
  [Op.SEND]: {
    prepSend: (s) => s.prepSend(0, b()),
    prepSendto: (s) => s.prepSendto(0, b(), 0, new Uint8Array(16)),
    prepSendBundle: (s) => s.prepSendBundle(0, 0, 0, 1),
  },
  [Op.RECV]: {
    prepRecv: (s) => s.prepRecv(0, b()),
    prepRecvMultishot: (s) => s.prepRecvMultishot(0, 1),
  },
  [Op.OPENAT2]: {
    prepOpenat2: (s) => s.prepOpenat2(-100, "/x", { flags: 0 }),
    prepOpenat2Direct: (s) => s.prepOpenat2Direct(-100, "/x", { flags: 0 }, 0),
  },
  [Op.EPOLL_CTL]: { prepEpollCtl: (s) => s.prepEpollCtl(0, 1, 1, 1) },
  [Op.SPLICE]: { prepSplice: (s) => s.prepSplice(0, -1, 1, -1, 1) },
  [Op.PROVIDE_BUFFERS]: { prepProvideBuffers: (s) => s.prepProvideBuffers(b(), 64, 1, 1, 0) },
  [Op.REMOVE_BUFFERS]: { prepRemoveBuffers: (s) => s.prepRemoveBuffers(1, 1) },
  [Op.TEE]: { prepTee: (s) => s.prepTee(0, 1, 1) },
  [Op.SHUTDOWN]: { prepShutdown: (s) => s.prepShutdown(0, 2) },
  [Op.RENAMEAT]: {
    prepRenameat: (s) => s.prepRenameat(-100, "/a", -100, "/b"),
    prepRename: (s) => s.prepRename("/a", "/b"),
  },
  [Op.UNLINKAT]: {
    prepUnlinkat: (s) => s.prepUnlinkat(-100, "/a"),
    prepUnlink: (s) => s.prepUnlink("/a"),
  },
  [Op.MKDIRAT]: {
    prepMkdirat: (s) => s.prepMkdirat(-100, "/a", 0o755),
    prepMkdir: (s) => s.prepMkdir("/a", 0o755),
  },
  [Op.SYMLINKAT]: {
    prepSymlinkat: (s) => s.prepSymlinkat("/a", -100, "/b"),
    prepSymlink: (s) => s.prepSymlink("/a", "/b"),
  },
  [Op.LINKAT]: {
    prepLinkat: (s) => s.prepLinkat(-100, "/a", -100, "/b"),
    prepLink: (s) => s.prepLink("/a", "/b"),
  },
  [Op.MSG_RING]: {
    prepMsgRing: (s) => s.prepMsgRing(0, 0, 0),
    prepMsgRingCqeFlags: (s) => s.prepMsgRingCqeFlags(0, 0, 0, 0, 0),
    prepMsgRingFd: (s) => s.prepMsgRingFd(0, 0, 0, 0),
  },
  [Op.FSETXATTR]: { prepFsetxattr: (s) => s.prepFsetxattr(0, "user.a", b()) },
  [Op.SETXATTR]: { prepSetxattr: (s) => s.prepSetxattr("user.a", b(), "/a") },
  [Op.FGETXATTR]: { prepFgetxattr: (s) => s.prepFgetxattr(0, "user.a", b()) },
  [Op.GETXATTR]: { prepGetxattr: (s) => s.prepGetxattr("user.a", b(), "/a") },
  [Op.SOCKET]: {
    prepSocket: (s) => s.prepSocket(2, 1),
    prepSocketDirect: (s) => s.prepSocketDirect(2, 1, 0, 0, 0),
    prepSocketDirectAlloc: (s) => s.prepSocketDirectAlloc(2, 1),
  },
  [Op.URING_CMD]: {
    prepUringCmd: (s) => s.prepUringCmd(0, 0),
    prepCmdSock: (s) => s.prepCmdSock(0, 0),
  },
  [Op.SEND_ZC]: { prepSendZc: (s) => s.prepSendZc(0, b()) },
  [Op.SENDMSG_ZC]: { prepSendmsgZc: (s) => s.prepSendmsgZc(0, msg()) },
  [Op.READ_MULTISHOT]: { prepReadMultishot: (s) => s.prepReadMultishot(0, 0, 0, 1) },
  [Op.WAITID]: { prepWaitid: (s) => s.prepWaitid(1, 1, null, 4) },
  [Op.FUTEX_WAIT]: { prepFutexWait: (s) => s.prepFutexWait(word(), 0, -1 >>> 0, 0x82) },
  [Op.FUTEX_WAKE]: { prepFutexWake: (s) => s.prepFutexWake(word(), 1, -1 >>> 0, 0x82) },
  [Op.FUTEX_WAITV]: { prepFutexWaitv: (s) => s.prepFutexWaitv([{ futex: word(), val: 0 }]) },
  [Op.FIXED_FD_INSTALL]: { prepFixedFdInstall: (s) => s.prepFixedFdInstall(0) },
  [Op.FTRUNCATE]: { prepFtruncate: (s) => s.prepFtruncate(0, 0) },
  [Op.BIND]: { prepBind: (s) => s.prepBind(0, new Uint8Array(16)) },
  [Op.LISTEN]: { prepListen: (s) => s.prepListen(0, 1) },
  [Op.RECV_ZC]: { prepRecvZc: (s) => s.prepRecvZc(0, 0, 0) },
  [Op.EPOLL_WAIT]: { prepEpollWait: (s) => s.prepEpollWait(0, new Uint8Array(12), 1) },
  [Op.READV_FIXED]: {
    prepReadvFixed: (s) => s.prepReadvFixed(0, [b()], 0, 0, fixedBufs, 0),
  },
  [Op.WRITEV_FIXED]: {
    prepWritevFixed: (s) => s.prepWritevFixed(0, [b()], 0, 0, fixedBufs, 0),
  },
  [Op.PIPE]: {
    prepPipe: (s) => s.prepPipe(new Int32Array(2)),
    prepPipeDirect: (s) => s.prepPipeDirect(new Int32Array(2), 0, 0),
  },
};

const opName = (code: number) => Object.entries(Op).find(([, v]) => v === code)![0];

Deno.test("Op lists every opcode 0..62 once, and each has at least one Sqe.prepX", () => {
  const codes = Object.values(Op).sort((a, b) => a - b);
  assertEquals(codes, Array.from({ length: 63 }, (_, i) => i));
  for (const code of codes) {
    const preps = OPCODES[code];
    assert(preps && Object.keys(preps).length > 0, `no prepX listed for ${opName(code)}`);
    for (const name of Object.keys(preps)) {
      assertEquals(
        typeof (Sqe.prototype as unknown as Record<string, unknown>)[name],
        "function",
        `Sqe.prototype.${name} (for ${opName(code)}) is missing`,
      );
    }
  }
});

Deno.test("Sqe.prepX() methods write the opcode they are listed for", () => {
  using ring = new Ring({ entries: 128 });
  let n = 0;
  for (const [code, preps] of Object.entries(OPCODES)) {
    for (const [name, prep] of Object.entries(preps)) {
      const sqe = ring.getSqe();
      assert(sqe !== null);
      prep(sqe);
      n++;
      assertEquals(sqe.opcode, Number(code), `${name} wrote opcode ${sqe.opcode}`);
    }
  }
  assertGreaterOrEqual(n, 63);
  // nothing is submitted: the SQEs are dropped with the ring
});

Deno.test("Sqe.prepX() with fixed(i) sets SqeFlag.FIXED_FILE and writes the index", () => {
  using ring = new Ring({ entries: 2 });
  const sqe = ring.getSqe()!;
  sqe.prepRead(fixed(5), b(), 0);
  assertEquals(sqe.flags & SqeFlag.FIXED_FILE, SqeFlag.FIXED_FILE);
  assertEquals(sqe.fd, 5);
});

Deno.test("Ring.supports(): every opcode the kernel has is run by some test file", () => {
  using ring = new Ring({ entries: 2 });
  const texts: string[] = [];
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith("_test.ts") && e.name !== "opcodes_test.ts") {
        texts.push(Deno.readTextFileSync(new URL(e.name, dir)));
      }
    }
  };
  walk(new URL("../", import.meta.url));
  const all = texts.join("\n");
  const missing: string[] = [];
  let supported = 0;
  for (const [code, preps] of Object.entries(OPCODES)) {
    if (!ring.supports(Number(code))) continue;
    supported++;
    const used = Object.keys(preps).some((name) => new RegExp(`\\.${name}\\(`).test(all));
    if (!used) missing.push(`${opName(Number(code))} (${Object.keys(preps).join(", ")})`);
  }
  assertGreater(supported, 0);
  assertEquals(missing, [], `opcodes no test runs: ${missing.join("; ")}`);
});
