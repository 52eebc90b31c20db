// Description: Listener/Conn/HttpServer ref()/unref(): an unref'd listener's pending accept, an
// unref'd connection's pending read and an unref'd server do not keep the process alive; ref()
// restores it. Each case runs as a child process, once on this module and once on Deno's own
// Deno.listen/Deno.connect/Deno.serve, and the two must end the same way.
import { assert, assertEquals } from "@std/assert";

const MOD = new URL("../../mod.ts", import.meta.url).href;
/** How long a child that should exit by itself may take (Deno's start-up included). */
const BOUND_MS = 10_000;

type Impl = "uring" | "deno";
const IMPLS: Impl[] = ["uring", "deno"];

/** The child's first line: `listen`, `connect`, `serve` from this module or from `Deno`. */
function prelude(impl: Impl): string {
  return impl === "uring"
    ? `import { connect, listen, serve } from ${JSON.stringify(MOD)};\n`
    : `const { connect, listen, serve } = Deno;\n`;
}

interface Run {
  code: number;
  ms: number;
  lines: string[];
}

/**
 * Runs `body` (after the prelude) in `deno run -A`; `onLine` sees each stdout line as it comes
 * (to act on the child's progress). The child is killed after 20 s.
 */
async function run(
  impl: Impl,
  body: string,
  onLine: (line: string) => void | Promise<void> = () => {},
): Promise<Run> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, prelude(impl) + body);
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", "--no-lock", file],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const lines: string[] = [];
  const stderr = new Response(child.stderr).text();
  try {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        await onLine(line);
      }
    }
    if (rest !== "") lines.push(rest);
    const { code } = await child.status;
    const ms = performance.now() - t0;
    const err = await stderr;
    assert(code === 0, `${impl} child exited with ${code}: ${lines.join("\n")}\n${err}`);
    return { code, ms, lines };
  } finally {
    clearTimeout(killer);
    await Deno.remove(file);
  }
}

/** Asserts both implementations printed `lines` and exited by themselves within the bound. */
async function bothExit(body: string, lines: string[], onLine?: (line: string) => void) {
  for (const impl of IMPLS) {
    const r = await run(impl, body, onLine);
    assertEquals(r.lines, lines, impl);
    assert(r.ms < BOUND_MS, `${impl} took ${r.ms} ms`);
  }
}

/** The port a child printed as `port N`. */
function portOf(line: string): number | undefined {
  const m = /^port (\d+)$/.exec(line);
  return m === null ? undefined : Number(m[1]);
}

Deno.test("Listener.unref(): a pending accept() lets the process exit, as Deno.listen's", async () => {
  await bothExit(
    `async function main() {
      const listener = listen({ hostname: "127.0.0.1", port: 0 });
      listener.unref();
      console.log("waiting");
      await listener.accept();
      console.log("accepted"); // not reached: the process ends while it waits
    }
    main();`,
    ["waiting"],
  );
});

Deno.test("Listener.unref() after one accept: the next accept() lets the process exit", async () => {
  await bothExit(
    `async function main() {
      const listener = listen({ hostname: "127.0.0.1", port: 0 });
      const c = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
      (await listener.accept()).close();
      c.close();
      listener.unref();
      console.log("again");
      await listener.accept();
      throw new Error("not reached");
    }
    main();`,
    ["again"],
  );
});

Deno.test("Listener.unref() then ref(): the process waits for a client, as Deno.listen's", async () => {
  for (const impl of IMPLS) {
    let connected = false;
    const r = await run(
      impl,
      `async function main() {
        const listener = listen({ hostname: "127.0.0.1", port: 0 });
        listener.unref();
        listener.ref();
        console.log("port " + listener.addr.port);
        const conn = await listener.accept();
        console.log("accepted");
        conn.close();
        listener.close();
      }
      main();`,
      async (line) => {
        const port = portOf(line);
        if (port === undefined) return;
        // the child must still be there well after it could have exited
        await new Promise((r) => setTimeout(r, 500));
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        connected = true;
      },
    );
    assert(connected, impl);
    assertEquals(r.lines.slice(1), ["accepted"], impl);
  }
});

Deno.test("Listener.unref() while accept() is pending, then ref(): it waits again", async () => {
  for (const impl of IMPLS) {
    const r = await run(
      impl,
      `async function main() {
        const listener = listen({ hostname: "127.0.0.1", port: 0 });
        const p = listener.accept();
        listener.unref();
        await new Promise((r) => setTimeout(r, 100));
        listener.ref();
        console.log("port " + listener.addr.port);
        (await p).close();
        console.log("accepted");
        listener.close();
      }
      main();`,
      async (line) => {
        const port = portOf(line);
        if (port === undefined) return;
        await new Promise((r) => setTimeout(r, 300));
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      },
    );
    assertEquals(r.lines.slice(1), ["accepted"], impl);
  }
});

Deno.test("Conn.unref(): a pending read() lets the process exit, as Deno.connect's", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) held.push(c); // open, never written to
  })();
  await bothExit(
    `async function main() {
      const conn = await connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
      conn.unref();
      console.log("reading");
      await conn.read(new Uint8Array(10));
      throw new Error("not reached");
    }
    main();`,
    ["reading"],
  );
  listener.close();
  await accepting;
  for (const c of held) c.close();
});

Deno.test("Conn.unref(): a pending read of conn.readable lets the process exit", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) held.push(c);
  })();
  await bothExit(
    `async function main() {
      const conn = await connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
      conn.unref();
      console.log("reading");
      await conn.readable.getReader().read();
      throw new Error("not reached");
    }
    main();`,
    ["reading"],
  );
  listener.close();
  await accepting;
  for (const c of held) c.close();
});

Deno.test("Conn.unref() then ref() while a read is pending: the process waits for the data", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  for (const impl of IMPLS) {
    let server: Deno.Conn | undefined;
    const accepted = listener.accept().then((c) => server = c);
    const r = await run(
      impl,
      `async function main() {
        const conn = await connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
        const p = conn.read(new Uint8Array(10));
        conn.unref();
        await new Promise((r) => setTimeout(r, 100));
        conn.ref();
        console.log("waiting");
        console.log("read " + await p);
        conn.close();
      }
      main();`,
      async (line) => {
        if (line !== "waiting") return;
        await accepted;
        await new Promise((r) => setTimeout(r, 300));
        await server!.write(new Uint8Array([1, 2, 3]));
      },
    );
    assertEquals(r.lines, ["waiting", "read 3"], impl);
    server?.close();
  }
});

Deno.test("HttpServer.unref(): an idle server lets the process exit, as Deno.serve's", async () => {
  await bothExit(
    `const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hi"));
    server.unref();
    console.log("serving");`,
    ["serving"],
  );
});

Deno.test("HttpServer.unref(): the server still answers while the process lives", async () => {
  await bothExit(
    `const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hi"));
    server.unref();
    const res = await fetch("http://127.0.0.1:" + server.addr.port + "/");
    console.log(res.status + " " + await res.text());`,
    ["200 hi"],
  );
});

Deno.test("HttpServer.unref() then ref(): the server keeps the process until shut down", async () => {
  for (const impl of IMPLS) {
    let status = 0;
    const r = await run(
      impl,
      `const server = serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
        setTimeout(() => server.shutdown(), 0);
        return new Response("bye");
      });
      server.unref();
      server.ref();
      console.log("port " + server.addr.port);
      await server.finished;
      console.log("finished");`,
      async (line) => {
        const port = portOf(line);
        if (port === undefined) return;
        await new Promise((r) => setTimeout(r, 500));
        const res = await fetch(`http://127.0.0.1:${port}/`);
        status = res.status;
        await res.body?.cancel();
      },
    );
    assertEquals(status, 200, impl);
    assertEquals(r.lines.slice(1), ["finished"], impl);
  }
});
