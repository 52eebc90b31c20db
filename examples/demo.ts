// `deno task demo`: the main job in one command. Reads a directory of files with io.readFiles,
// with hand-made linked chains and with Deno.readFile, prints the times and ratios, then runs the
// greeting server of
// examples/greeting_server.ts against a real TCP client for a second.
import { alignedBuffer, AsyncRing, fixed, OpenFlag } from "../mod.ts";

const FILES = 256;
const SIZE = 64 * 1024;

const dir = Deno.makeTempDirSync({ prefix: "deno_uring_demo_" });
const names: string[] = [];
const data = new Uint8Array(SIZE);
for (let i = 0; i < FILES; i++) {
  crypto.getRandomValues(data.subarray(0, 65536));
  const name = `${dir}/file_${i}.bin`;
  Deno.writeFileSync(name, data);
  names.push(name);
}

await using io = new AsyncRing({ entries: 1024 });
const table = io.ring.registerFiles(FILES); // direct descriptors: one slot per file in flight

/**
 * Reads one file with one linked chain by hand: open it into a slot of the file table, read it
 * through that slot, close the slot. One round trip, and the process never gets an fd for it.
 * The buffer is an `alignedBuffer()`: memory that cannot be transferred away, which the kernel
 * uses in place (a plain `Uint8Array` would be copied through the ring's own memory).
 */
async function readWithChain(path: string, slot: number): Promise<Uint8Array> {
  const buf = alignedBuffer(SIZE);
  // Hard links: the close runs even when the read comes up short (which ends a plain link).
  const [opened, n, closed] = await io.link(
    (c) =>
      c.openatDirect(-100, path, OpenFlag.RDONLY, 0, slot)
        .read(fixed(slot), buf, 0)
        .closeFd(fixed(slot)),
    { hardlink: true },
  );
  for (const r of [opened, n, closed]) if (r instanceof Error) throw r;
  return buf.subarray(0, n as number);
}

async function time(label: string, fn: () => Promise<Uint8Array[]>): Promise<number> {
  await fn(); // warm up
  let best = Infinity;
  let bytes = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const out = await fn();
    best = Math.min(best, performance.now() - t0);
    bytes = out.reduce((n, b) => n + b.length, 0);
  }
  console.log(
    `${label}: ${best.toFixed(2)} ms for ${FILES} files, ${(bytes / 1048576).toFixed(0)} MiB`,
  );
  return best;
}

console.log(`Reading ${FILES} files of ${SIZE / 1024} KiB from ${dir}`);
// The drop-in: Deno.readFile's results and errors, many files per io_uring_enter
const many = await time("io.readFiles(paths)", () => io.readFiles(names));
const chains = await time(
  "AsyncRing, one linked open+read+close per file, by hand",
  () => Promise.all(names.map((name, slot) => readWithChain(name, slot))),
);
const deno = await time(
  "Deno.readFile + Promise.all",
  () => Promise.all(names.map((n) => Deno.readFile(n))),
);
console.log(`io.readFiles is ${(deno / many).toFixed(2)}x the speed of Deno.readFile here`);
console.log(`the hand-made chains are ${(deno / chains).toFixed(2)}x`);

// Check the bytes, then clean up.
const [a] = await io.readFiles([names[7]]);
const c = await readWithChain(names[7], 7);
const b = await Deno.readFile(names[7]);
for (const x of [a, c]) {
  if (x.length !== b.length || x.some((v, i) => v !== b[i])) throw new Error("data mismatch");
}
Deno.removeSync(dir, { recursive: true });
table.close();

// The greeting server of examples/greeting_server.ts, against a real TCP client.
try {
  const { startGreetingServer } = await import("./greeting_server.ts");
  const server = await startGreetingServer({ port: 0, greeting: "hello from io_uring\n" });
  console.log(`greeting server on 127.0.0.1:${server.port}`);
  const deadline = performance.now() + 1000;
  let conns = 0;
  while (performance.now() < deadline) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    await conn.write(new TextEncoder().encode(`ping ${conns}\n`));
    const m = await conn.read(buf.subarray(n ?? 0));
    if (conns === 0) {
      console.log(
        `client got: ${
          JSON.stringify(new TextDecoder().decode(buf.subarray(0, (n ?? 0) + (m ?? 0))))
        }`,
      );
    }
    conn.close();
    conns++;
  }
  console.log(`${conns} connections in 1 s; user space woke ${server.wakeups()} times`);
  await server.close();
} catch (e) {
  if (e instanceof TypeError && String(e).includes("greeting_server")) {
    console.log("(greeting server example not present)");
  } else throw e;
}
