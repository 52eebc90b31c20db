// FsFile (open() of the module) beside Deno.FsFile (Deno.open): sequential 4 KiB reads through
// a file handle, and `readable` of a 64 MiB cached file piped to a sink that drops the chunks.
import { open } from "../mod.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const BIG = 64 << 20;
const READS = 1000;

function ensureBigFile(): string {
  const path = `${TMP}/deno_uring_bench_64M`;
  let size = -1;
  try {
    size = Deno.statSync(path).size;
  } catch { /* make it */ }
  if (size !== BIG) {
    const data = new Uint8Array(BIG);
    for (let i = 0; i < BIG; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    Deno.writeFileSync(path, data);
  }
  Deno.readFileSync(path); // warm the page cache
  return path;
}

const path = ensureBigFile();
const mine = await open(path);
const deno = await Deno.open(path);
const buf = new Uint8Array(4096);

/** `READS` sequential 4 KiB reads, back to the start at the end of the file. */
async function reads(
  file: {
    read(p: Uint8Array): Promise<number | null>;
    seek(o: number, w: Deno.SeekMode): Promise<number>;
  },
): Promise<void> {
  for (let i = 0; i < READS; i++) {
    if ((await file.read(buf)) === null) await file.seek(0, Deno.SeekMode.Start);
  }
}

Deno.bench({
  group: "FsFile.read 4 KiB x1000",
  name: "Deno.FsFile.read",
  baseline: true,
  async fn() {
    await reads(deno);
  },
});

Deno.bench({
  group: "FsFile.read 4 KiB x1000",
  name: "FsFile.read (io_uring)",
  async fn() {
    await reads(mine);
  },
});

function sink(): WritableStream<Uint8Array> {
  let n = 0;
  return new WritableStream({
    write(chunk) {
      n += chunk.length;
    },
    close() {
      if (n !== BIG) throw new Error(`read ${n} bytes, expected ${BIG}`);
    },
  });
}

Deno.bench({
  group: "FsFile.readable 64 MiB",
  name: "Deno.FsFile.readable",
  baseline: true,
  n: 20,
  async fn() {
    const file = await Deno.open(path);
    await file.readable.pipeTo(sink());
  },
});

Deno.bench({
  group: "FsFile.readable 64 MiB",
  name: "FsFile.readable (io_uring)",
  n: 20,
  async fn() {
    const file = await open(path);
    await file.readable.pipeTo(sink());
  },
});

globalThis.addEventListener("unload", () => {
  mine.close();
  deno.close();
});
