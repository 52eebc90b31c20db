// Idle keep-alive connections: RSS per connection of serve() and of Deno.serve, each server in
// a child process of its own, 4000 connections that each made one request and then wait.
import { assert } from "@std/assert";

const CONNS = 4000;
const root = new URL("../../", import.meta.url);

const example = new URL("examples/http_server.ts", root).pathname;
const servers: Record<string, string> = {
  "serve()": `
    import { serve } from "${new URL("mod.ts", root)}";
    serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log("port", a.port) },
      () => new Response("hi"));
    setInterval(() => globalThis.gc?.(), 500);`,
  "Deno.serve": `
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log("port", a.port) },
      () => new Response("hi"));
    setInterval(() => globalThis.gc?.(), 500);`,
  // the example forces no GC: nor does this one
  "Deno.serve, no forced GC": `
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log("port", a.port) },
      () => new Response("hi"));`,
};

function rssKiB(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+)/);
  return Number(m![1]);
}

async function settle(pid: number): Promise<number> {
  // let the server go idle; its GC runs on its own schedule
  await new Promise((r) => setTimeout(r, 1500));
  return rssKiB(pid);
}

async function measure(name: string): Promise<{ perConn: number; after: number; base: number }> {
  const args = name === "examples/http_server.ts"
    ? ["run", "-A", "--no-lock", example, "--port", "0", "--hostname", "127.0.0.1"]
    : ["eval", "--no-lock", "--v8-flags=--expose-gc", servers[name]];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/(port |:)\d+/.test(text)) text += (await reader.read()).value ?? "";
  const port = Number(text.match(/(?:port |:)(\d+)/)![1]);
  const conns: Deno.TcpConn[] = [];
  try {
    // warm up: the first requests build what every later one reuses
    for (let i = 0; i < 50; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const base = await settle(child.pid);
    const req = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    const buf = new Uint8Array(1024);
    for (let i = 0; i < CONNS; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: 200 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
      );
      await Promise.all(batch.map(async (c) => {
        await c.write(req);
        await c.read(buf);
      }));
      conns.push(...batch);
    }
    const loaded = await settle(child.pid);
    for (const c of conns) c.close();
    conns.length = 0;
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssKiB(child.pid);
    return { perConn: (loaded - base) * 1024 / CONNS, after: after - base, base };
  } finally {
    for (const c of conns) c.close();
    child.kill("SIGKILL");
    await child.status;
    reader.cancel().catch(() => {});
  }
}

Deno.test({
  name: "serve: an idle keep-alive connection holds no more memory than Deno.serve's",
  async fn() {
    const ours = await measure("serve()");
    const deno = await measure("Deno.serve");
    console.log(
      `idle connection: serve() ${(ours.perConn / 1024).toFixed(1)} KiB, ` +
        `Deno.serve ${(deno.perConn / 1024).toFixed(1)} KiB; after close: serve() ` +
        `${ours.after} KiB, Deno.serve ${deno.after} KiB above the start`,
    );
    assert(ours.perConn <= deno.perConn + 1024, `${ours.perConn} B > ${deno.perConn} B + 1 KiB`);
    // what the connections took goes back as far as it does for Deno.serve (neither V8 nor malloc
    // hands back all the pages they grew)
    assert(ours.after <= Math.max(deno.after, 0) + 4096, `${ours.after} KiB kept`);
  },
  sanitizeResources: false,
  sanitizeOps: false,
});

Deno.test({
  name:
    "examples/http_server.ts: an idle keep-alive connection holds no more memory than Deno.serve's",
  async fn() {
    const ours = await measure("examples/http_server.ts");
    const deno = await measure("Deno.serve, no forced GC");
    console.log(
      `idle connection: the example ${(ours.perConn / 1024).toFixed(1)} KiB, ` +
        `Deno.serve ${(deno.perConn / 1024).toFixed(1)} KiB; after close: the example ` +
        `${ours.after} KiB, Deno.serve ${deno.after} KiB above the start`,
    );
    assert(ours.perConn <= deno.perConn + 1024, `${ours.perConn} B > ${deno.perConn} B + 1 KiB`);
    assert(ours.after <= Math.max(deno.after, 0) + 4096, `${ours.after} KiB kept`);
  },
  sanitizeResources: false,
  sanitizeOps: false,
});
