/**
 * The command line shared by the server examples: flags, `--workers N` (one Deno Worker per
 * server, each with its own ring and its own `SO_REUSEPORT` listener), the `listening on H:P`
 * line, and a clean shutdown on SIGINT/SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** What one server instance is started with. */
export interface StartOptions {
  hostname: string;
  port: number;
  reusePort: boolean;
  /** Flags the example defines itself (`--multishot`, ...), as parsed. */
  extra: Record<string, boolean>;
}

/** A started server instance: its port and how to stop it (closing every fd and its ring). */
export interface Started {
  port: number;
  stop(): Promise<void>;
}

/** Starts one server instance on the calling thread. */
export type StartFn = (o: StartOptions) => Promise<Started>;

interface WorkerScope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown): void;
  close(): void;
}

/**
 * Runs an example server: as the main program (flags, workers, signals) or, inside a Worker
 * spawned by it, as one instance.
 *
 * @param moduleUrl the example's `import.meta.url` (Workers run the same module)
 * @param start starts one instance
 * @param extraFlags boolean flags of the example, with their help text
 */
export async function runServer(
  moduleUrl: string,
  start: StartFn,
  extraFlags: Record<string, string> = {},
): Promise<void> {
  if ("WorkerGlobalScope" in globalThis) return runWorker(start);
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "8000" },
      hostname: { type: "string", default: "127.0.0.1" },
      workers: { type: "string", default: "1" },
      help: { type: "boolean", default: false },
      ...Object.fromEntries(
        Object.keys(extraFlags).map((k) => [k, { type: "boolean" as const, default: false }]),
      ),
    },
  });
  if (values.help) {
    const extra = Object.entries(extraFlags).map(([k, v]) => `  --${k}  ${v}\n`).join("");
    console.log(
      `usage: deno run --allow-ffi --allow-net ${new URL(moduleUrl).pathname.split("/").pop()} ` +
        `[--port P] [--hostname H] [--workers N]\n${extra}`,
    );
    return;
  }
  const port = Number(values.port), workers = Number(values.workers);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`--port must be 0..65535, got ${values.port}`);
  }
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new RangeError(`--workers must be 1..256, got ${values.workers}`);
  }
  const hostname = values.hostname as string;
  const extra: Record<string, boolean> = {};
  for (const k of Object.keys(extraFlags)) {
    extra[k] = (values as Record<string, unknown>)[k] === true;
  }

  // Signal listeners first: Deno needs an fd for them, and once connections come in there may be
  // none left (Deno 2.9 panics when that registration fails with EMFILE).
  const { promise: signalled, resolve } = Promise.withResolvers<void>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, resolve);

  let stop: () => Promise<void>;
  let bound: number;
  if (workers === 1) {
    const s = await start({ hostname, port, reusePort: false, extra });
    bound = s.port;
    stop = s.stop;
  } else {
    // Deno Workers load their module from disk, which takes read permission.
    const dir = new URL(".", moduleUrl);
    if (Deno.permissions.querySync({ name: "read", path: dir }).state !== "granted") {
      throw new Error(`--workers needs --allow-read=${dir.pathname} to start Deno Workers`);
    }
    // The first worker binds (port 0: the kernel picks), the others join its port.
    const pool: Worker[] = [];
    const ask = (w: Worker, msg: unknown) =>
      new Promise<{ port?: number; error?: string }>((resolve) => {
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => {
          e.preventDefault();
          resolve({ error: e.message });
        };
        w.postMessage(msg);
      });
    bound = port;
    for (let i = 0; i < workers; i++) {
      const w = new Worker(moduleUrl, { type: "module", name: `server-${i}` });
      pool.push(w);
      const r = await ask(w, { hostname, port: bound, reusePort: true, extra });
      if (r.error !== undefined) throw new Error(`worker ${i}: ${r.error}`);
      bound = r.port!;
    }
    stop = async () => {
      await Promise.all(pool.map((w) => ask(w, "stop")));
      for (const w of pool) w.terminate();
    };
  }
  console.log(`listening on ${hostname}:${bound}`);

  await signalled;
  for (const s of signals) Deno.removeSignalListener(s, resolve);
  await stop();
  console.log("closed");
  // Every fd and ring is closed by now. Exit at once: after a handled signal Deno's runtime
  // otherwise lingers a second or so before it exits by itself.
  Deno.exit(0);
}

function runWorker(start: StartFn): void {
  const scope = globalThis as unknown as WorkerScope;
  let started: Started | undefined;
  scope.onmessage = async (e) => {
    try {
      if (e.data === "stop") {
        await started?.stop();
        scope.postMessage({});
        scope.close();
      } else {
        started = await start(e.data as StartOptions);
        scope.postMessage({ port: started.port });
      }
    } catch (err) {
      scope.postMessage({ error: String(err) });
    }
  };
}
