// AsyncRing on a default ring against one set up with `singleIssuer` + `deferTaskrun`
// (issue 13, item 3): a loopback TCP echo of 64 B messages over 1, 8 and 64 connections, server
// on AsyncRing in a child process (accept, then per connection recv then send into one reused
// alignedBuffer()), client the C closed-loop program of bench:servers (bench/native/echo_client.c,
// built with gcc into a temp dir) in its own process; round trips/s and the server's CPU per round trip
// from /proc/<pid>/stat (utime + stime). Both servers stay up for the whole run and the client
// alternates between them, the mode that goes first rotating per round; ratios are medians of
// per-round quotients. Then `await io.nop()` round trips and 4 KiB random reads (64 in flight,
// cached file) in this process, both modes interleaved, to see the file path does not regress.
//
//   deno task bench:defer [--secs 1] [--rounds 3]
import { parseArgs } from "node:util";
import { alignedBuffer, AsyncRing, type AsyncRingOptions } from "../mod.ts";
import { ensureDataFile, FILE_SIZE, interleavedAsync, makeRandomBlocks } from "./_common.ts";
import { benchQuick, emitRows, type ResultRow } from "./_results.ts";

type Mode = "default" | "defer";
const MODES: Mode[] = ["default", "defer"];
const ringOptions = (mode: Mode): AsyncRingOptions =>
  mode === "defer" ? { entries: 256, singleIssuer: true, deferTaskrun: true } : { entries: 256 };

// ---- the server (child process) ------------------------------------------------------------
async function serve(mode: Mode): Promise<void> {
  const io = new AsyncRing(ringOptions(mode));
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ port: io.localAddr(lfd).port }));
  const conn = async (fd: number) => {
    const buf = alignedBuffer(4096, 64);
    try {
      for (;;) {
        const n = await io.recv(fd, buf);
        if (n <= 0) break;
        for (let off = 0; off < n;) off += await io.send(fd, buf.subarray(off, n));
      }
    } catch { /* reset by the peer */ }
    await io.closeFd(fd).catch(() => {});
  };
  for (;;) conn(await io.accept(lfd));
}

// ---- the driver ----------------------------------------------------------------------------
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in ticks of 10 ms
}

function buildClient(): string {
  const dir = Deno.makeTempDirSync({ prefix: "defer_bench_" });
  const out = `${dir}/echo_client`;
  const src = new URL("./native/echo_client.c", import.meta.url).pathname;
  const r = new Deno.Command("gcc", { args: ["-O2", "-o", out, src] }).outputSync();
  if (!r.success) throw new Error(`gcc failed: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}

interface Server {
  mode: Mode;
  child: Deno.ChildProcess;
  port: number;
}

async function startServer(mode: Mode): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", import.meta.filename!, "--server", mode],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${mode} server exited`);
    text += value;
  }
  reader.releaseLock();
  return { mode, child, port: JSON.parse(text.split("\n")[0]).port };
}

async function echoRound(
  client: string,
  s: Server,
  conns: number,
  secs: number,
): Promise<{ rps: number; cpuUs: number }> {
  const cpu0 = cpuSeconds(s.child.pid);
  const out = await new Deno.Command(client, {
    args: ["127.0.0.1", String(s.port), String(conns), String(secs), "64"],
  }).output();
  const cpu1 = cpuSeconds(s.child.pid);
  const text = new TextDecoder().decode(out.stdout);
  const m = text.match(/rate=(\d+) total=(\d+)/);
  if (!out.success || !m) {
    throw new Error(`client failed: ${text} ${new TextDecoder().decode(out.stderr)}`);
  }
  // `total` counts the client's warm-up second too, which the CPU window covers
  return { rps: Number(m[1]), cpuUs: ((cpu1 - cpu0) * 1e6) / Number(m[2]) };
}

const median = (xs: number[]) => {
  const q = [...xs].sort((a, b) => a - b), m = q.length >> 1;
  return q.length & 1 ? q[m] : (q[m - 1] + q[m]) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { secs: { type: "string" }, rounds: { type: "string" } },
  });
  const secs = Number(values.secs ?? (benchQuick() ? 0.5 : 1));
  const rounds = Number(values.rounds ?? (benchQuick() ? 2 : 3));
  const client = buildClient();
  const servers = await Promise.all(MODES.map(startServer));
  const rows: ResultRow[] = [];
  try {
    for (const s of servers) await echoRound(client, s, 8, 0.5); // warm up the JIT
    console.log(`echo 64 B, loopback, ${secs} s per round, ${rounds} rounds, medians`);
    console.log("conns | default rt/s | defer rt/s | ratio | default µs CPU/rt | defer | ratio");
    for (const conns of [1, 8, 64]) {
      const r: Record<Mode, { rps: number; cpuUs: number }[]> = { default: [], defer: [] };
      for (let k = 0; k < rounds; k++) {
        for (let i = 0; i < 2; i++) {
          const s = servers[(k + i) % 2];
          r[s.mode].push(await echoRound(client, s, conns, secs));
        }
      }
      const rate = median(r.defer.map((x, i) => x.rps / r.default[i].rps));
      const cpu = median(r.defer.map((x, i) => x.cpuUs / r.default[i].cpuUs));
      const m = (mode: Mode, k: "rps" | "cpuUs") => median(r[mode].map((x) => x[k]));
      console.log(
        `${String(conns).padStart(5)} | ${(m("default", "rps") / 1e3).toFixed(1)} K | ` +
          `${(m("defer", "rps") / 1e3).toFixed(1)} K | ${rate.toFixed(2)}x | ` +
          `${m("default", "cpuUs").toFixed(2)} | ${m("defer", "cpuUs").toFixed(2)} | ` +
          `${cpu.toFixed(2)}x`,
      );
      rows.push({
        group: "servers",
        workload: `AsyncRing echo 64 B, ${conns} conn, deferTaskrun vs default ring`,
        unit: "K round trips/s",
        ours: m("defer", "rps") / 1e3,
        note: `default ring ${(m("default", "rps") / 1e3).toFixed(1)} K; ratio ${
          rate.toFixed(2)
        }x; server CPU ${m("defer", "cpuUs").toFixed(2)} vs ${
          m("default", "cpuUs").toFixed(2)
        } µs/round trip`,
      });
    }
  } finally {
    for (const s of servers) {
      s.child.kill("SIGTERM");
      await s.child.status;
    }
    Deno.removeSync(client.slice(0, client.lastIndexOf("/")), { recursive: true });
  }

  // ---- the file path, in this process --------------------------------------------------------
  const rings = Object.fromEntries(MODES.map((m) => [m, new AsyncRing(ringOptions(m))])) as Record<
    Mode,
    AsyncRing
  >;
  const NOPS = 20_000;
  const nops = async (io: AsyncRing) => {
    const t0 = performance.now();
    for (let i = 0; i < NOPS; i++) await io.nop();
    return NOPS / ((performance.now() - t0) / 1000);
  };
  const path = ensureDataFile();
  const blocks = makeRandomBlocks(1 << 16, FILE_SIZE / 4096);
  let cursor = 0;
  const QD = 64, PER_LANE = 200;
  const pages = alignedBuffer(QD * 4096);
  const fds = { default: await rings.default.open(path), defer: await rings.defer.open(path) };
  const reads = async (mode: Mode) => {
    const io = rings[mode], fd = fds[mode];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: QD }, async (_, lane) => {
      const buf = pages.subarray(lane * 4096, (lane + 1) * 4096);
      for (let k = 0; k < PER_LANE; k++) {
        await io.read(fd, buf, blocks[cursor++ & 0xffff] * 4096);
      }
    }));
    return (QD * PER_LANE) / ((performance.now() - t0) / 1000);
  };
  await nops(rings.default);
  await nops(rings.defer);
  await reads("default");
  await reads("defer");
  const R = benchQuick() ? 6 : 20;
  const res = await interleavedAsync(R, {
    nopDefault: () => nops(rings.default),
    nopDefer: () => nops(rings.defer),
    readDefault: () => reads("default"),
    readDefer: () => reads("defer"),
  });
  console.log(
    `await io.nop(): default ${(1e6 / res.median("nopDefault")).toFixed(3)} µs, defer ${
      (1e6 / res.median("nopDefer")).toFixed(3)
    } µs per round trip; defer/default rate ${
      res.ratio("nopDefer", "nopDefault").toFixed(2)
    }x (medians of ${R} interleaved rounds)`,
  );
  console.log(
    `4 KiB random reads, 64 in flight: default ${
      (res.median("readDefault") / 1e3).toFixed(0)
    } K, ` +
      `defer ${(res.median("readDefer") / 1e3).toFixed(0)} K IOPS; defer/default ${
        res.ratio("readDefer", "readDefault").toFixed(2)
      }x`,
  );
  rows.push({
    group: "async",
    workload: "await io.nop() round trips, deferTaskrun vs default ring",
    unit: "M ops/s",
    ours: res.median("nopDefer") / 1e6,
    note: `default ${(res.median("nopDefault") / 1e6).toFixed(2)} M/s; ratio ${
      res.ratio("nopDefer", "nopDefault").toFixed(2)
    }x`,
  }, {
    group: "async",
    workload: "4 KiB random reads, 64 in flight, deferTaskrun vs default ring",
    unit: "K IOPS",
    ours: res.median("readDefer") / 1e3,
    note: `default ${(res.median("readDefault") / 1e3).toFixed(0)} K; ratio ${
      res.ratio("readDefer", "readDefault").toFixed(2)
    }x`,
  });
  emitRows(rows);
  for (const m of MODES) {
    await rings[m].closeFd(fds[m]);
    await rings[m].close();
  }
}

if (Deno.args[0] === "--server") await serve(Deno.args[1] as Mode);
else await main();
