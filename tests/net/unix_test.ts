// Unix stream sockets: listen/connect with transport "unix" beside Deno's, and the permission
// checks Deno makes for them.
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { connect, listen, UnixConn } from "../../ffi/mod.ts";
import { fdCount } from "../_helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const tmpSock = () => `${Deno.makeTempDirSync()}/s.sock`;

Deno.test("unix: our listener with Deno's client, and Deno's listener with ours", async () => {
  const path = tmpSock();
  const listener = listen({ transport: "unix", path });
  assertEquals(listener.addr, { transport: "unix", path });
  const client = await Deno.connect({ transport: "unix", path });
  const conn = await listener.accept();
  assertEquals(conn instanceof UnixConn, true);
  assertEquals(conn.localAddr, { transport: "unix", path });
  assertEquals({ ...conn.remoteAddr }, { transport: "unix", path: null as unknown as string });
  await client.write(enc("hello"));
  assertEquals(await conn.read(new Uint8Array(8)), 5);
  client.close();
  assertEquals(await conn.read(new Uint8Array(8)), null);
  conn.close();
  listener.close();
  assertThrows(() => Deno.statSync(path), Deno.errors.NotFound); // removed on close, as Deno's

  const path2 = tmpSock();
  using theirs = Deno.listen({ transport: "unix", path: path2 });
  using ours = await connect({ transport: "unix", path: path2 });
  using peer = await theirs.accept();
  assertEquals(ours.localAddr, peer.remoteAddr);
  assertEquals(ours.remoteAddr, { transport: "unix", path: path2 });
  await peer.write(enc("back"));
  assertEquals(await ours.read(new Uint8Array(8)), 4);
});

Deno.test("unix: abstract socket names, as Deno's", async () => {
  const path = `\0deno-uring-test-${crypto.randomUUID()}`;
  using listener = listen({ transport: "unix", path });
  using client = await connect({ transport: "unix", path });
  using conn = await listener.accept();
  assertEquals(client.remoteAddr.path, path);
  assertEquals(client.localAddr.path, null);
  assertEquals(conn.localAddr.path, path);
});

Deno.test("unix: errors as Deno's on the same inputs", async () => {
  const errOf = async (f: () => unknown) => {
    try {
      const r = await f();
      (r as { close(): void }).close();
      return "ok";
    } catch (e) {
      const err = e as Error & { code?: string };
      return `${err.constructor.name}: ${err.message} ${err.code ?? ""}`;
    }
  };
  const dir = Deno.makeTempDirSync();
  using held = Deno.listen({ transport: "unix", path: `${dir}/held.sock` });
  Deno.writeTextFileSync(`${dir}/file`, "x");
  const paths = [`${dir}/held.sock`, `${dir}/file`, `${dir}/none/x.sock`, "x".repeat(200)];
  for (const path of paths) {
    const o = { transport: "unix" as const, path };
    assertEquals(await errOf(() => listen(o)), await errOf(() => Deno.listen(o)), `listen ${path}`);
    assertEquals(
      await errOf(() => connect(o)),
      await errOf(() => Deno.connect(o)),
      `connect ${path}`,
    );
  }
  assertEquals(held.addr.transport, "unix");
});

Deno.test("unix: close() settles pending accept and read", async () => {
  const path = tmpSock();
  const listener = listen({ transport: "unix", path });
  const accepting = listener.accept();
  const client = await connect({ transport: "unix", path });
  const conn = await accepting;
  const reading = conn.read(new Uint8Array(4));
  conn.close();
  await assertRejects(() => reading, Deno.errors.Interrupted);
  assertEquals(await client.read(new Uint8Array(4)), null);
  client.close();
  const pending = listener.accept();
  listener.close();
  await assertRejects(() => pending, Deno.errors.BadResource, "Listener has been closed");
});

Deno.test("unix: no fd left behind", async () => {
  const before = fdCount();
  for (let i = 0; i < 10; i++) {
    const path = tmpSock();
    const l = listen({ transport: "unix", path });
    const c = await connect({ transport: "unix", path });
    (await l.accept()).close();
    c.close();
    l.close();
  }
  assertEquals(fdCount(), before);
});

Deno.test("unix: permission checks and messages as Deno's (read, write, then net)", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/p.sock`;
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const src = `
    import { connect, listen } from ${JSON.stringify(mod)};
    const o = { transport: "unix", path: ${JSON.stringify(path)} };
    const out = [];
    for (const f of [() => listen(o), () => connect(o), () => Deno.listen(o), () => Deno.connect(o)]) {
      try { await f(); out.push("ok"); } catch (e) { out.push(e.constructor.name + ": " + e.message); }
    }
    console.log(JSON.stringify(out));
  `;
  const file = `${dir}/child.ts`;
  Deno.writeTextFileSync(file, src);
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-check", "--allow-ffi", "--allow-env", ...flags, file],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    return JSON.parse(new TextDecoder().decode(out.stdout)) as string[];
  };
  const cwd = Deno.cwd();
  for (
    const flags of [
      [`--allow-read=${cwd}`],
      ["--allow-read", "--allow-net"],
      ["--allow-read", "--allow-write", "--allow-net=127.0.0.1"],
    ]
  ) {
    const got = await run(flags);
    // listen fails first (no socket file), so connect meets the same check
    assertEquals(got.slice(0, 2), got.slice(2), flags.join(" "));
    assertEquals(got[0].startsWith("NotCapable"), true, got[0]);
  }
});
