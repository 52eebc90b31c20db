import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { alignedBuffer, AsyncRing, type ResultDecoder } from "../../ffi/mod.ts";
import { closeFd } from "../_helpers.ts";

async function pair(io: AsyncRing): Promise<[number, number]> {
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const [cfd, conn] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
    io.accept(lfd),
  ]);
  await io.closeFd(lfd);
  return [cfd, conn];
}

/** Records every result it is given; maps 0 to null and -errno to an Error naming it. */
interface Log {
  results: number[];
}
const orNull: ResultDecoder<Log, number | null> = (log, res) => {
  log.results.push(res);
  return res > 0 ? res : res === 0 ? null : new Error(`errno ${-res}`);
};

Deno.test("recvWith: resolves what the decoder returns, null at the end of the stream", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [a, b] = await pair(io);
  const log: Log = { results: [] };
  for (const buf of [new Uint8Array(16), alignedBuffer(16)]) { // through pool memory, in place
    const got = io.recvWith(b, buf, orNull, log);
    assertEquals(await io.send(a, new TextEncoder().encode("hello")), 5);
    assertEquals(await got, 5);
    assertEquals(new TextDecoder().decode(buf.subarray(0, 5)), "hello");
  }
  await io.closeFd(a);
  assertEquals(await io.recvWith(b, new Uint8Array(16), orNull, log), null);
  assertEquals(log.results, [5, 5, 0]); // once per op
  await io.closeFd(b);
});

Deno.test("recvWith/sendWith: the decoder gets -errno; an Error it returns rejects", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [r, w] = await io.pipe(); // not sockets: ENOTSOCK
  const log: Log = { results: [] };
  await assertRejects(() => io.recvWith(r, new Uint8Array(4), orNull, log), Error, "errno 88");
  await assertRejects(() => io.sendWith(w, new Uint8Array(4), orNull, log), Error, "errno 88");
  assertEquals(log.results, [-88, -88]);
  // the same errno as the plain ops report
  const plain = await assertRejects(() => io.recv(r, new Uint8Array(4)));
  assertEquals((plain as { errno: number }).errno, 88);
  for (const fd of [r, w]) await io.closeFd(fd);
});

Deno.test("sendWith: sends every byte of a plain buffer changed right after the call", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [a, b] = await pair(io);
  const log: Log = { results: [] };
  const data = new TextEncoder().encode("abcdef");
  const sent = io.sendWith(a, data, orNull, log);
  data.fill(0); // the bytes were copied at the call, as `send`'s
  assertEquals(await sent, 6);
  const buf = new Uint8Array(8);
  assertEquals(await io.recv(b, buf), 6);
  assertEquals(new TextDecoder().decode(buf.subarray(0, 6)), "abcdef");
  for (const fd of [a, b]) await io.closeFd(fd);
});

Deno.test("recvWith: a buffer detached in flight: the decoder still runs, the promise rejects", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [a, b] = await pair(io);
  const log: Log = { results: [] };
  const buf = new Uint8Array(64);
  const got = io.recvWith(b, buf, orNull, log);
  await new Promise((r) => setTimeout(r, 10));
  const moved = buf.buffer.transfer();
  await io.send(a, new TextEncoder().encode("late"));
  await assertRejects(() => got, TypeError, "detached");
  assertEquals(log.results, [4]);
  assertEquals(new Uint8Array(moved).subarray(0, 4), new Uint8Array(4)); // written elsewhere
  for (const fd of [a, b]) await io.closeFd(fd);
});

Deno.test("recvWith/sendWith: bad arguments throw at the call, and no decoder runs", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [a, b] = await pair(io);
  const log: Log = { results: [] };
  const resizable = new Uint8Array(new ArrayBuffer(8, { maxByteLength: 16 }));
  assertThrows(() => io.recvWith(b, resizable, orNull, log), TypeError, "resizable");
  assertThrows(() => io.sendWith(a, "x" as unknown as Uint8Array, orNull, log), TypeError);
  assertThrows(
    () => io.recvWith(b, new Uint8Array(4), null as unknown as typeof orNull, log),
    TypeError,
    "decode must be a function",
  );
  // the ring is still usable, and nothing was left in flight
  assertEquals(await io.sendWith(a, new Uint8Array(3), orNull, log), 3);
  assertEquals(log.results, [3]);
  for (const fd of [a, b]) await io.closeFd(fd);
});

Deno.test("recvWith: the ring closing first rejects without the decoder", async () => {
  const io = new AsyncRing({ entries: 16 });
  const [a, b] = await pair(io);
  const log: Log = { results: [] };
  const got = io.recvWith(b, new Uint8Array(8), orNull, log);
  await new Promise((r) => setTimeout(r, 10));
  const rejected = assertRejects(() => got, Error, "closed"); // handled before it settles
  await io[Symbol.asyncDispose]();
  await rejected;
  await assertRejects(() => io.recvWith(b, new Uint8Array(8), orNull, log), Error, "closed");
  assertEquals(log.results, []);
  for (const fd of [a, b]) closeFd(fd);
});
