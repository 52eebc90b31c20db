// Shared helpers of the server tests (echo_server_test.ts, http_server_test.ts): an example server
// started as a subprocess, its fds, and clients that read until a condition holds.
import { assert, assertEquals } from "@std/assert";
import { AsyncRing, Sock } from "../ffi/mod.ts";

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** An example server running as a child process. */
export interface ServerProcess extends AsyncDisposable {
  port: number;
  pid: number;
  /** Sends `signal` and resolves to the exit code and all of stdout after the ready line. */
  stop(signal?: Deno.Signal): Promise<{ code: number; output: string }>;
}

/** Starts `examples/<name>.ts --port 0 ...args` and waits for its `listening on H:P` line. */
export function startServer(name: string, ...args: string[]): Promise<ServerProcess> {
  return startServerWith({}, name, ...args);
}

/**
 * {@link startServer} with options: `maxFds` runs it under `ulimit -n maxFds` (through bash).
 */
export async function startServerWith(
  options: { maxFds?: number },
  name: string,
  ...args: string[]
): Promise<ServerProcess> {
  const script = new URL(`../examples/${name}.ts`, import.meta.url).pathname;
  const deno = [
    "run",
    "--allow-ffi",
    "--allow-net",
    "--allow-read",
    script,
    "--port",
    "0",
    ...args,
  ];
  const [cmd, argv] = options.maxFds === undefined
    ? [Deno.execPath(), deno]
    : ["bash", ["-c", `ulimit -n ${options.maxFds} && exec "$0" "$@"`, Deno.execPath(), ...deno]];
  const child = new Deno.Command(cmd, {
    args: argv,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let port = 0;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 15_000);
  while (port === 0) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`${name} exited before listening: ${seen}`);
    seen += value;
    const m = seen.match(/listening on [^\s:]+:(\d+)\n/);
    if (m) port = Number(m[1]);
  }
  clearTimeout(deadline);
  let rest = seen.slice(seen.indexOf("\n") + 1);
  const drained = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) return;
      rest += value;
    }
  })();
  let stopped: Promise<{ code: number; output: string }> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopped ??= (async () => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill(signal);
      const { code } = await child.status;
      clearTimeout(kill);
      await drained;
      return { code, output: rest };
    })();
  return { port, pid: child.pid, stop, [Symbol.asyncDispose]: async () => void await stop() };
}

/** The entries of /proc/<pid>/fd, as their link targets. */
export function fdsOf(pid: number): string[] {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].map((e) => {
    try {
      return Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`);
    } catch {
      return "(gone)";
    }
  });
}

/**
 * How many TCP sockets on local port `port` (the listener and its connections) process `pid`
 * has open: its socket fds matched by inode against /proc/net/tcp and tcp6.
 */
export function socketsOf(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(`/proc/${pid}/net/${table}`);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && parseInt(f[1].split(":")[1], 16) === port) inodes.add(f[9]);
    }
  }
  return fdsOf(pid).filter((t) => inodes.has(t.slice(8, -1))).length;
}

/** Waits (up to `ms`) until `cond()` holds; asserts it does. */
export async function eventually(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert(cond(), `timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Reads `conn` until `done(text so far)` holds or the peer closes; returns the text and whether
 * the peer closed.
 */
export async function readUntil(
  conn: Deno.Conn,
  done: (text: string) => boolean,
): Promise<{ text: string; eof: boolean }> {
  const buf = new Uint8Array(64 * 1024);
  let text = "";
  while (!done(text)) {
    const n = await conn.read(buf);
    if (n === null) return { text, eof: true };
    text += dec.decode(buf.subarray(0, n));
  }
  return { text, eof: false };
}

/** Reads `conn` to the end. */
export function readAll(conn: Deno.Conn): Promise<string> {
  return readUntil(conn, () => false).then((r) => r.text);
}

/**
 * Connects, sends `data`, then closes with `SO_LINGER {1, 0}` so that the kernel resets the
 * connection (RST) instead of closing it in order: what `Deno.connect` cannot do.
 */
export async function sendThenReset(port: number, data: Uint8Array): Promise<void> {
  await using io = new AsyncRing({ entries: 8 });
  const fd = await io.connectTcp({ hostname: "127.0.0.1", port });
  assertEquals(await io.send(fd, data), data.length);
  await io.setsockopt(fd, Sock.SOL_SOCKET, Sock.SO_LINGER, new Int32Array([1, 0]));
  await io.closeFd(fd);
}
