// Pins the kernel ABI: the C compiler's sizeof/offsetof (from the shim's uring_abi table) against
// what the TypeScript side writes.
import { assertEquals } from "@std/assert";
import { native } from "../../ffi/sys/loader.ts";
import { SqeWord } from "../../ffi/ring/sqe_memory.ts";
import { CqeBatch, fixed, Ring, SqeFlag } from "../../ffi/mod.ts";

// The order of the table in native/uring_shim.c (uring_abi).
const NAMES = [
  "sizeof io_uring_sqe",
  "sizeof io_uring_cqe",
  "sqe.opcode",
  "sqe.flags",
  "sqe.ioprio",
  "sqe.fd",
  "sqe.off",
  "sqe.addr2",
  "sqe.addr",
  "sqe.splice_off_in",
  "sqe.len",
  "sqe.rw_flags",
  "sqe.poll32_events",
  "sqe.msg_flags",
  "sqe.timeout_flags",
  "sqe.user_data",
  "sqe.buf_index",
  "sqe.buf_group",
  "sqe.personality",
  "sqe.splice_fd_in",
  "sqe.file_index",
  "sqe.addr3",
  "sqe.cmd",
  "cqe.user_data",
  "cqe.res",
  "cqe.flags",
  "sizeof io_uring_params",
  "params.sq_off",
  "params.cq_off",
  "sizeof io_uring_buf",
  "sizeof io_uring_buf_reg",
  "sizeof io_uring_rsrc_register",
  "sizeof io_uring_rsrc_update2",
  "sizeof io_uring_probe",
  "sizeof io_uring_probe_op",
  "sizeof __kernel_timespec",
  "sizeof io_uring_getevents_arg",
] as const;
type Name = typeof NAMES[number];

function abiTable(): Record<Name, number> {
  const out = new Uint32Array(128);
  const n = native().uring_abi(new Uint8Array(out.buffer), out.length);
  assertEquals(n, NAMES.length, "uring_abi returns one value per known field");
  const table = {} as Record<Name, number>;
  NAMES.forEach((name, i) => (table[name] = out[i]));
  return table;
}

Deno.test("uring_abi reports SQE 64 bytes and CQE 16 bytes", () => {
  const t = abiTable();
  assertEquals(t["sizeof io_uring_sqe"], 64);
  assertEquals(t["sizeof io_uring_cqe"], 16);
});

Deno.test("uring_abi honours its capacity argument", () => {
  const out = new Uint32Array(4).fill(0xdeadbeef);
  assertEquals(native().uring_abi(new Uint8Array(out.buffer), 2), 2);
  assertEquals([...out], [64, 16, 0xdeadbeef, 0xdeadbeef]);
});

Deno.test("SqeWord matches the C offsetof() of every SQE field written", () => {
  const t = abiTable();
  const expected: [Name, number][] = [
    ["sqe.opcode", 0],
    ["sqe.flags", 1],
    ["sqe.ioprio", 2],
    ["sqe.fd", SqeWord.FD * 4],
    ["sqe.off", SqeWord.OFF * 4],
    ["sqe.addr2", SqeWord.OFF * 4],
    ["sqe.addr", SqeWord.ADDR * 4],
    ["sqe.splice_off_in", SqeWord.ADDR * 4],
    ["sqe.len", SqeWord.LEN * 4],
    ["sqe.rw_flags", SqeWord.OP_FLAGS * 4],
    ["sqe.poll32_events", SqeWord.OP_FLAGS * 4],
    ["sqe.msg_flags", SqeWord.OP_FLAGS * 4],
    ["sqe.timeout_flags", SqeWord.OP_FLAGS * 4],
    ["sqe.user_data", SqeWord.USER_DATA * 4],
    ["sqe.buf_index", SqeWord.BUF_INDEX * 4],
    ["sqe.buf_group", SqeWord.BUF_INDEX * 4],
    ["sqe.personality", SqeWord.BUF_INDEX * 4 + 2],
    ["sqe.splice_fd_in", SqeWord.FILE_INDEX * 4],
    ["sqe.file_index", SqeWord.FILE_INDEX * 4],
    ["sqe.addr3", SqeWord.ADDR3 * 4],
    ["sqe.cmd", SqeWord.ADDR3 * 4],
  ];
  for (const [name, off] of expected) assertEquals(t[name], off, name);
  // The literal byte offsets of the kernel's io_uring.h, independent of SqeWord.
  assertEquals(
    [
      t["sqe.opcode"],
      t["sqe.flags"],
      t["sqe.ioprio"],
      t["sqe.fd"],
      t["sqe.off"],
      t["sqe.addr"],
      t["sqe.len"],
      t["sqe.rw_flags"],
      t["sqe.user_data"],
      t["sqe.buf_index"],
      t["sqe.personality"],
      t["sqe.file_index"],
      t["sqe.addr3"],
    ],
    [0, 1, 2, 4, 8, 16, 24, 28, 32, 40, 42, 44, 48],
  );
});

Deno.test("uring_abi reports the CQE field offsets the ring reads (user_data 0, res 8, flags 12)", () => {
  const t = abiTable();
  assertEquals(t["cqe.user_data"], 0);
  assertEquals(t["cqe.res"], 8);
  assertEquals(t["cqe.flags"], 12);
});

Deno.test("uring_abi reports io_uring_params of 120 bytes with sq_off at 40 and cq_off at 80", () => {
  const t = abiTable();
  assertEquals(t["sizeof io_uring_params"], 120);
  assertEquals(t["params.sq_off"], 40);
  assertEquals(t["params.cq_off"], 80);
});

Deno.test("uring_abi reports the sizes of the structs built from TypeScript", () => {
  const t = abiTable();
  assertEquals(t["sizeof io_uring_buf"], 16);
  assertEquals(t["sizeof io_uring_buf_reg"], 40);
  assertEquals(t["sizeof io_uring_rsrc_register"], 32);
  assertEquals(t["sizeof io_uring_rsrc_update2"], 32);
  assertEquals(t["sizeof io_uring_probe"], 16);
  assertEquals(t["sizeof io_uring_probe_op"], 8);
  assertEquals(t["sizeof __kernel_timespec"], 16);
  assertEquals(t["sizeof io_uring_getevents_arg"], 24);
});

Deno.test("Sqe.prepRw() writes each field at the C offset in the shared SQE memory", () => {
  const t = abiTable();
  using ring = new Ring({ entries: 4, registerRingFd: false });
  const sqe = ring.getSqe()!;
  sqe.prepRw(0x2a, fixed(7), 0x1122334455, 0x66778899, 0x0102030405);
  sqe.ioprio = 0xabcd;
  sqe.opFlags = 0xcafebabe;
  sqe.userData = 2 ** 53 - 1;
  sqe.bufIndex = 0x1234;
  sqe.personality = 0x5678;
  sqe.fileIndex = 0x9abcdef0;
  const bytes = new DataView(sqe._m.u8.buffer, sqe._m.u8.byteOffset + sqe._w * 4, 64);
  assertEquals(bytes.getUint8(t["sqe.opcode"]), 0x2a);
  assertEquals(bytes.getUint8(t["sqe.flags"]), SqeFlag.FIXED_FILE);
  assertEquals(bytes.getUint16(t["sqe.ioprio"], true), 0xabcd);
  assertEquals(bytes.getInt32(t["sqe.fd"], true), 7);
  assertEquals(bytes.getBigUint64(t["sqe.off"], true), 0x0102030405n);
  assertEquals(bytes.getBigUint64(t["sqe.addr"], true), 0x1122334455n);
  assertEquals(bytes.getUint32(t["sqe.len"], true), 0x66778899);
  assertEquals(bytes.getUint32(t["sqe.rw_flags"], true), 0xcafebabe);
  assertEquals(bytes.getBigUint64(t["sqe.user_data"], true), 2n ** 53n - 1n);
  assertEquals(bytes.getUint16(t["sqe.buf_index"], true), 0x1234);
  assertEquals(bytes.getUint16(t["sqe.personality"], true), 0x5678);
  assertEquals(bytes.getUint32(t["sqe.file_index"], true), 0x9abcdef0);
  // A -1 offset is written as the 64-bit all-ones value the kernel reads as "current position".
  sqe.prepRw(0, -1, null, 0, -1);
  assertEquals(bytes.getBigUint64(t["sqe.off"], true), 0xffffffffffffffffn);
  assertEquals(bytes.getInt32(t["sqe.fd"], true), -1);
});

Deno.test("Ring.copyCqes() reads user data, res and flags at the kernel's CQE offsets", () => {
  using ring = new Ring({ entries: 4 });
  // A read on fd -1 gives a negative res, checking the sign of the res field as well.
  const a = ring.getSqe()!;
  a.prepNop();
  a.userData = 2 ** 40 + 5;
  const b = ring.getSqe()!;
  b.prepRead(-1, new Uint8Array(8), 0);
  b.userData = 2 ** 32;
  ring.submitAndWait(2);
  const batch = new CqeBatch(4);
  assertEquals(ring.copyCqes(batch), 2);
  const got = new Map([...batch].map((c) => [c.userData, c]));
  assertEquals(got.get(2 ** 40 + 5), { userData: 2 ** 40 + 5, res: 0, flags: 0 });
  assertEquals(got.get(2 ** 32), { userData: 2 ** 32, res: -9, flags: 0 });
});
