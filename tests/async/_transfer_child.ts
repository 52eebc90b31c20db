// Child process of tests/buffer_transfer_test.ts, run with --v8-flags=--expose-gc: starts an op
// on a caller buffer, transfers the buffer away while the op is in flight, drops the new owner,
// forces GC and allocates a spray of fresh buffers where the freed memory would be reused. Then
// the kernel writes. Prints one JSON line per case: what the op settled with, and whether any
// byte of the spray changed. A crash or a dirty spray is the bug this guards against.
import { alignedBuffer, AsyncRing, Ring } from "../../ffi/mod.ts";

const gc = (globalThis as unknown as { gc: () => void }).gc;
const io = new AsyncRing({ entries: 64 });
const FILL = 0xab;

function collectAndSpray(size: number): Uint8Array[] {
  for (let i = 0; i < 5; i++) gc();
  // 2000 buffers of the freed size, at most 64 MiB in all
  return Array.from({ length: Math.min(2000, (64 << 20) / size) }, () => new Uint8Array(size));
}
const dirty = (spray: Uint8Array[]) => spray.some((b) => b.some((x) => x !== 0));
const tick = () => new Promise((r) => setTimeout(r, 5));
/** How a promise settled: `ok:<value>` or `<ErrorName>:<message>`. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    return `ok:${JSON.stringify(await p)}`;
  } catch (e) {
    return `${(e as Error).name}:${(e as Error).message}`;
  }
}
type Detach = (buf: Uint8Array) => void;
const detachers: Record<string, Detach> = {
  transfer: (b) => void (b.buffer as ArrayBuffer).transfer(),
  structuredClone: (b) => void structuredClone(b.buffer, { transfer: [b.buffer as ArrayBuffer] }),
  postMessage: (b) => {
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(b.buffer, [b.buffer as ArrayBuffer]);
    port1.close();
    port2.close();
  },
};

/** A read-like op on a pipe: `start` begins the op on `buf` reading from `r`. */
async function readCase(
  name: string,
  size: number,
  detach: Detach,
  start: (r: number, buf: Uint8Array) => Promise<unknown>,
): Promise<void> {
  const [r, w] = await io.pipe();
  const buf = new Uint8Array(size);
  const p = outcome(start(r, buf));
  await tick();
  detach(buf);
  const spray = collectAndSpray(size);
  // a pipe holds 64 KiB: the read takes what one write puts there
  await io.write(w, new Uint8Array(Math.min(size, 65536)).fill(FILL), -1);
  const result = await p;
  console.log(
    JSON.stringify({ name, size, result, dirty: dirty(spray), detached: buf.byteLength }),
  );
  await io.closeFd(r);
  await io.closeFd(w);
}

/** A write whose source is transferred away before the kernel copies it: the pipe is full. */
async function writeCase(name: string, size: number, detach: Detach): Promise<void> {
  const [r, w] = await io.pipe();
  const filler = new Uint8Array(65536);
  let n = 0;
  while (n < 65536) n += await io.write(w, filler, -1); // the pipe is full now
  const src = new Uint8Array(size).fill(0xcd);
  const p = outcome(io.write(w, src, -1));
  await tick();
  detach(src);
  const spray = collectAndSpray(size);
  for (const b of spray) b.fill(0x11);
  let drained = 0;
  const sink = new Uint8Array(65536);
  while (drained < 65536) drained += await io.read(r, sink.subarray(0, 65536 - drained), -1);
  const result = await p; // a pipe may take only part of a large write
  const written = Number(result.slice(3));
  const got = new Uint8Array(written);
  let have = 0;
  while (have < written) have += await io.read(r, got.subarray(have), -1);
  const intact = written > 0 && got.every((x) => x === 0xcd);
  console.log(JSON.stringify({ name, size, result, intact }));
  await io.closeFd(r);
  await io.closeFd(w);
}

const sizes = [64, 4096, 262144];
for (const [how, detach] of Object.entries(detachers)) {
  for (const size of sizes) {
    await readCase(`read/${how}`, size, detach, (r, b) => io.read(r, b, -1));
  }
}
for (const size of sizes) {
  await readCase("readv", size, detachers.transfer, (r, b) => io.readv(r, [b], -1));
  await readCase("link.read", size, detachers.transfer, (r, b) => io.link((c) => c.read(r, b)));
  await writeCase("write", size, detachers.transfer);
}
// sockets: recv into a buffer that is transferred away
{
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const { port } = io.localAddr(lfd);
  const [c, s] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port }),
    io.accept(lfd),
  ]);
  const buf = new Uint8Array(4096);
  const p = outcome(io.recv(s, buf));
  await tick();
  (buf.buffer as ArrayBuffer).transfer();
  const spray = collectAndSpray(4096);
  await io.send(c, new Uint8Array(4096).fill(FILL));
  const result = await p;
  console.log(JSON.stringify({ name: "recv", size: 4096, result, dirty: dirty(spray) }));
  for (const fd of [c, s, lfd]) await io.closeFd(fd);
}
// the safe zero-copy way on the low-level Ring: memory that cannot be transferred
{
  using ring = new Ring({ entries: 8 });
  const [r, w] = await io.pipe();
  const buf = alignedBuffer(4096);
  ring.getSqe()!.prepRead(r, buf, -1);
  ring.submit();
  let refused = "";
  try {
    structuredClone(buf.buffer, { transfer: [buf.buffer as unknown as ArrayBuffer] });
  } catch (e) {
    refused = (e as Error).name;
  }
  const spray = collectAndSpray(4096);
  await io.write(w, new Uint8Array(4096).fill(FILL), -1);
  const cqe = ring.waitCqe(5000);
  const intact = buf.every((x) => x === FILL);
  console.log(JSON.stringify({
    name: "Ring/alignedBuffer",
    size: 4096,
    result: `ok:${cqe?.res}`,
    refused,
    intact,
    dirty: dirty(spray),
  }));
  await io.closeFd(r);
  await io.closeFd(w);
}
// In-place buffers (alignedBuffer: SharedArrayBuffer memory) that only the op holds: the caller
// keeps no reference, GC runs, fresh SharedArrayBuffers are allocated, then the kernel writes.
{
  const [r, w] = await io.pipe();
  const reads = Array.from({ length: 16 }, () => io.read(r, alignedBuffer(4096), -1));
  await tick();
  for (let i = 0; i < 5; i++) gc();
  const spray = Array.from({ length: 2000 }, () => alignedBuffer(4096));
  for (let i = 0; i < 16; i++) await io.write(w, new Uint8Array(4096).fill(FILL), -1);
  const got = await Promise.all(reads);
  console.log(JSON.stringify({
    name: "dropped/read",
    size: 4096,
    result: `ok:${got.reduce((a, b) => a + b, 0)}`,
    dirty: dirty(spray),
  }));
  await io.closeFd(r);
  await io.closeFd(w);
}
// The same, with the ring closed while the reads are in the kernel
{
  const io2 = new AsyncRing({ entries: 64 });
  const pipes = await Promise.all(Array.from({ length: 8 }, () => io.pipe()));
  const reads = pipes.map(([r]) => io2.read(r, alignedBuffer(4096), -1).catch((e) => e));
  await tick();
  await io2.close();
  const settled = await Promise.all(reads);
  for (let i = 0; i < 5; i++) gc();
  const spray = Array.from({ length: 2000 }, () => alignedBuffer(4096));
  for (const [, w] of pipes) await io.write(w, new Uint8Array(4096).fill(FILL), -1);
  await tick();
  console.log(JSON.stringify({
    name: "dropped/close",
    size: 4096,
    result: settled.every((e) => e instanceof Error) ? "closed" : "not rejected",
    dirty: dirty(spray),
  }));
  for (const [r, w] of pipes) {
    await io.closeFd(r);
    await io.closeFd(w);
  }
}
await io.close();
