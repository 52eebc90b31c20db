// serveDir/serveFile against @std/http's, both under Deno.serve, on the same requests: status,
// headers (all but Date) and body must be equal. Requests go out raw over TCP, so that paths with
// `..` and odd encodings reach the servers as written.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { serveDir as stdServeDir, serveFile as stdServeFile } from "@std/http/file-server";
import { eTag } from "@std/http/etag";
import { contentType } from "@std/media-types/content-type";
import { serveDir, type ServeDirOptions, serveFile } from "../../ffi/mod.ts";
import { fileBodyOf } from "../../ffi/net/_file_body.ts";
import { fdCount, patternBytes } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The served tree, beside a directory outside it that links point into. */
async function makeTree(): Promise<{ base: string; root: string }> {
  const base = await Deno.makeTempDir({ prefix: "serve_dir_test_" });
  const root = `${base}/root`;
  const files: Record<string, Uint8Array | string> = {
    "empty.txt": "",
    "small.bin": patternBytes(1024, 1),
    "page.html": patternBytes(64 * 1024, 2),
    "big.js": patternBytes(1024 * 1024, 3),
    "data.unknownext": "no type",
    "with space.txt": "space",
    "ünïcödé.txt": "unicode",
    "100%.txt": "percent",
    ".hidden.txt": "hidden",
    ".secret/x.txt": "secret",
    "sub/index.html": "<p>index</p>",
    "sub/nested.txt": "nested",
    "list/a.txt": "a",
    "list/B.txt": "bb",
    "list/.dot": "dot",
    "list/dir2/c.txt": "c",
  };
  for (const [name, data] of Object.entries(files)) {
    const path = `${root}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(path, data);
    else await Deno.writeFile(path, data);
  }
  await Deno.mkdir(`${base}/outside`);
  await Deno.writeTextFile(`${base}/outside/secret.txt`, "outside");
  await Deno.symlink(`${base}/outside/secret.txt`, `${root}/link-out.txt`);
  await Deno.symlink(`${base}/outside`, `${root}/link-dir`);
  await Deno.symlink(`${base}/nowhere`, `${root}/broken-link`);
  await Deno.mkdir(`${root}/linkidx`);
  await Deno.symlink(`${root}/sub/index.html`, `${root}/linkidx/index.html`);
  await Deno.utime(`${root}/small.bin`, new Date(MTIME), new Date(MTIME));
  return { base, root };
}

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/** Option sets, chosen per request by the `x-opts` header (which neither server looks at). */
function optionSets(root: string): Record<string, ServeDirOptions> {
  return {
    plain: { fsRoot: root, quiet: true },
    listing: { fsRoot: root, quiet: true, showDirListing: true },
    dotfiles: { fsRoot: root, quiet: true, showDirListing: true, showDotfiles: true },
    noindex: { fsRoot: root, quiet: true, showIndex: false, showDirListing: true },
    urlroot: { fsRoot: root, quiet: true, urlRoot: "static" },
    cors: {
      fsRoot: root,
      quiet: true,
      enableCors: true,
      headers: ["x-a: 1", "cache-control: a:b"],
    },
    sha1: { fsRoot: root, quiet: true, etagAlgorithm: "SHA-1" },
  };
}

interface Case {
  name: string;
  target: string;
  method?: string;
  headers?: Record<string, string>;
  opts?: string;
  /** The status both must answer (so that a case cannot pass by both servers failing alike). */
  status: number;
}

function cases(smallTag: string): Case[] {
  const ims = new Date(MTIME).toUTCString();
  return [
    { name: "GET of a 0 B file", target: "/empty.txt", status: 200 },
    { name: "GET of a 1 KiB file", target: "/small.bin", status: 200 },
    { name: "GET of a 64 KiB file", target: "/page.html", status: 200 },
    { name: "GET of a 1 MiB file", target: "/big.js", status: 200 },
    { name: "GET of a file of unknown type", target: "/data.unknownext", status: 200 },
    {
      name: "GET with Accept-Encoding (Deno.serve may compress)",
      target: "/page.html",
      headers: { "accept-encoding": "gzip" },
      status: 200,
    },
    { name: "HEAD of a 1 MiB file", target: "/big.js", method: "HEAD", status: 200 },
    { name: "HEAD of a 0 B file", target: "/empty.txt", method: "HEAD", status: 200 },
    { name: "Range a-b", target: "/big.js", headers: { range: "bytes=0-99" }, status: 206 },
    {
      name: "Range open-ended",
      target: "/small.bin",
      headers: { range: "bytes=100-" },
      status: 206,
    },
    { name: "Range suffix", target: "/page.html", headers: { range: "bytes=-100" }, status: 206 },
    {
      name: "Range suffix longer than the file",
      target: "/small.bin",
      headers: { range: "bytes=-5000" },
      status: 206,
    },
    {
      name: "Range ending past the end",
      target: "/small.bin",
      headers: { range: "bytes=1000-2000" },
      status: 206,
    },
    {
      name: "Range inside a 1 MiB file",
      target: "/big.js",
      headers: { range: "bytes=300000-700001" },
      status: 206,
    },
    {
      name: "Range past the end (416)",
      target: "/small.bin",
      headers: { range: "bytes=5000-6000" },
      status: 416,
    },
    {
      name: "Range reversed (416)",
      target: "/small.bin",
      headers: { range: "bytes=10-5" },
      status: 416,
    },
    { name: "Range invalid", target: "/small.bin", headers: { range: "bytes=abc" }, status: 200 },
    {
      name: "Range with two ranges",
      target: "/small.bin",
      headers: { range: "bytes=0-1,5-6" },
      status: 200,
    },
    {
      name: "Range on a 0 B file",
      target: "/empty.txt",
      headers: { range: "bytes=0-10" },
      status: 200,
    },
    {
      name: "If-None-Match matching",
      target: "/small.bin",
      headers: { "if-none-match": smallTag },
      status: 304,
    },
    {
      name: "If-None-Match in a list, strong form",
      target: "/small.bin",
      headers: { "if-none-match": `"x", ${smallTag.slice(2)}` },
      status: 304,
    },
    {
      name: "If-None-Match not matching",
      target: "/small.bin",
      headers: { "if-none-match": 'W/"nope"' },
      status: 200,
    },
    {
      name: "If-None-Match *",
      target: "/small.bin",
      headers: { "if-none-match": "*" },
      status: 304,
    },
    {
      name: "If-None-Match matching, HEAD",
      target: "/small.bin",
      method: "HEAD",
      headers: { "if-none-match": smallTag },
      status: 200,
    },
    {
      name: "If-None-Match matching, with Range",
      target: "/small.bin",
      headers: { "if-none-match": smallTag, range: "bytes=0-9" },
      status: 304,
    },
    {
      name: "If-None-Match not matching, with Range",
      target: "/small.bin",
      headers: { "if-none-match": 'W/"nope"', range: "bytes=0-9" },
      status: 206,
    },
    {
      name: "If-Modified-Since at the mtime",
      target: "/small.bin",
      headers: { "if-modified-since": ims },
      status: 304,
    },
    {
      name: "If-Modified-Since before the mtime",
      target: "/small.bin",
      headers: { "if-modified-since": new Date(MTIME - 5000).toUTCString() },
      status: 200,
    },
    {
      name: "If-Modified-Since ignored beside If-None-Match",
      target: "/small.bin",
      headers: { "if-modified-since": ims, "if-none-match": 'W/"nope"' },
      status: 200,
    },
    { name: "ETag with SHA-1", target: "/small.bin", opts: "sha1", status: 200 },
    { name: "directory without a slash", target: "/sub", status: 301 },
    { name: "directory with index.html", target: "/sub/", status: 200 },
    { name: "index.html itself", target: "/sub/index.html", status: 200 },
    { name: "index.html with showIndex false", target: "/sub/", opts: "noindex", status: 200 },
    { name: "index.html that is a link (lstat: not served)", target: "/linkidx/", status: 404 },
    {
      name: "index.html that is a link, listing",
      target: "/linkidx/",
      opts: "listing",
      status: 200,
    },
    { name: "index.html that is a link, by name", target: "/linkidx/index.html", status: 200 },
    { name: "file with a trailing slash", target: "/small.bin/", status: 301 },
    { name: "directory without index, no listing", target: "/list/", status: 404 },
    { name: "listing", target: "/list/", opts: "listing", status: 200 },
    { name: "listing, HEAD", target: "/list/", method: "HEAD", opts: "listing", status: 200 },
    { name: "listing of a subdirectory", target: "/list/dir2/", opts: "listing", status: 200 },
    { name: "listing of the root with dotfiles", target: "/", opts: "dotfiles", status: 200 },
    { name: "listing of the root without dotfiles", target: "/", opts: "listing", status: 200 },
    {
      name: "listing of a directory behind a link",
      target: "/link-dir/",
      opts: "listing",
      status: 200,
    },
    { name: "dotfile hidden", target: "/.hidden.txt", status: 404 },
    { name: "dotfile shown", target: "/.hidden.txt", opts: "dotfiles", status: 200 },
    { name: "file in a dot directory", target: "/.secret/x.txt", status: 404 },
    { name: "missing file", target: "/missing.txt", status: 404 },
    { name: "traversal with ..", target: "/../outside/secret.txt", status: 404 },
    { name: "traversal with %2e%2e", target: "/%2e%2e/outside/secret.txt", status: 404 },
    { name: "traversal with ..%2f", target: "/..%2foutside/secret.txt", status: 301 },
    {
      name: "traversal with %2e%2e%2f from a subdirectory",
      target: "/sub/%2e%2e%2f%2e%2e%2foutside/secret.txt",
      status: 301,
    },
    { name: "traversal with an absolute path", target: "//etc/passwd", status: 301 },
    { name: "URL-encoded space", target: "/with%20space.txt", status: 200 },
    { name: "non-ASCII name", target: `/${encodeURIComponent("ünïcödé.txt")}`, status: 200 },
    { name: "encoded percent sign", target: "/100%25.txt", status: 200 },
    { name: "malformed escape", target: "/bad%zz", status: 500 },
    { name: "link to a file outside the root", target: "/link-out.txt", status: 200 },
    { name: "dangling link", target: "/broken-link", status: 404 },
    { name: "POST", target: "/small.bin", method: "POST", status: 405 },
    { name: "urlRoot", target: "/static/small.bin", opts: "urlroot", status: 200 },
    { name: "urlRoot missing", target: "/small.bin", opts: "urlroot", status: 404 },
    { name: "CORS and extra headers", target: "/small.bin", opts: "cors", status: 200 },
    { name: "CORS on a 404", target: "/nothing", opts: "cors", status: 404 },
    { name: "CORS not on a redirect", target: "/sub", opts: "cors", status: 301 },
    {
      name: "CORS not on a 304",
      target: "/small.bin",
      opts: "cors",
      headers: { "if-none-match": smallTag },
      status: 304,
    },
    {
      name: "path with a dot segment after urlRoot",
      target: "/static./small.bin",
      opts: "urlroot",
      status: 404,
    },
  ];
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Sends one raw request (`Connection: close`) and parses the whole answer. */
async function ask(port: number, c: Case): Promise<Answer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = [`${c.method ?? "GET"} ${c.target} HTTP/1.1`, "host: localhost"];
  lines.push("connection: close", `x-opts: ${c.opts ?? "plain"}`);
  for (const [k, v] of Object.entries(c.headers ?? {})) lines.push(`${k}: ${v}`);
  if (c.method === "POST") lines.push("content-length: 0");
  await conn.write(enc.encode(lines.join("\r\n") + "\r\n\r\n"));
  const chunks: Uint8Array[] = [];
  for await (const chunk of conn.readable) chunks.push(chunk);
  const raw = concat(chunks);
  let end = 0;
  while (!(raw[end] === 13 && raw[end + 1] === 10 && raw[end + 2] === 13 && raw[end + 3] === 10)) {
    end++;
    assert(end < raw.length, "no end of headers");
  }
  const [line, ...fields] = dec.decode(raw.subarray(0, end)).split("\r\n");
  const headers = fields.map((f): [string, string] => {
    const i = f.indexOf(":");
    return [f.slice(0, i).toLowerCase(), f.slice(i + 1).trim()];
  }).filter(([k]) => k !== "date").sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  let body = raw.subarray(end + 4);
  if (headers.some(([k, v]) => k === "transfer-encoding" && v === "chunked")) {
    const parts: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf(13, at);
      const size = parseInt(dec.decode(body.subarray(at, eol)), 16);
      if (size === 0) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = concat(parts);
  }
  return { status: Number(line.split(" ")[1]), headers, body };
}

Deno.test("serveDir answers as @std/http's serveDir under Deno.serve", async (t) => {
  const { base, root } = await makeTree();
  const sets = optionSets(root);
  const handler = (serve: typeof stdServeDir) => (req: Request) =>
    serve(req, sets[req.headers.get("x-opts") ?? "plain"]);
  const onListen = () => {};
  const std = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen }, handler(stdServeDir));
  const ours = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen }, handler(serveDir));
  try {
    const smallTag = (await eTag(await Deno.stat(`${root}/small.bin`)))!;
    for (const c of cases(smallTag)) {
      await t.step(c.name, async () => {
        const want = await ask(std.addr.port, c);
        const got = await ask(ours.addr.port, c);
        assertEquals(want.status, c.status, "@std/http's status");
        assertEquals(got.status, want.status);
        assertEquals(got.headers, want.headers);
        assertEquals(got.body.length, want.body.length);
        assertEquals(got.body, want.body);
      });
    }
  } finally {
    await std.shutdown();
    await ours.shutdown();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveFile answers as @std/http's serveFile", async () => {
  const { base, root } = await makeTree();
  try {
    for (
      const [path, init] of [
        [`${root}/big.js`, {}],
        [`${root}/big.js`, { headers: { range: "bytes=-10" } }],
        [`${root}/small.bin`, { method: "HEAD" }],
        [`${root}/list`, {}],
        [`${root}/missing`, {}],
        [`${root}/small.bin`, { method: "PUT", body: "x" }],
      ] as [string, RequestInit][]
    ) {
      const want = await stdServeFile(new Request("http://localhost/", init), path);
      const got = await serveFile(new Request("http://localhost/", init), path);
      assertEquals(got.status, want.status, path);
      assertEquals(got.statusText, want.statusText);
      assertEquals([...got.headers], [...want.headers]);
      assertEquals(
        new Uint8Array(await got.arrayBuffer()),
        new Uint8Array(await want.arrayBuffer()),
      );
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveFile passes errors other than NotFound on, as Deno.stat's", async () => {
  const { base, root } = await makeTree();
  try {
    const err = await assertRejects(() => Deno.stat(`${root}/small.bin/x`));
    await assertRejects(
      () => serveFile(new Request("http://localhost/"), `${root}/small.bin/x`),
      (err as Error).constructor as new () => Error,
      (err as Error).message,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveDir marks file bodies with the range serve() splices", async () => {
  const { base, root } = await makeTree();
  const big = await Deno.readFile(`${root}/big.js`);
  const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    serveDir(new Request(`http://localhost${path}`, { headers, method }), {
      fsRoot: root,
      quiet: true,
    });
  try {
    const full = await get("/big.js");
    assertEquals(fileBodyOf(full), { path: `${root}/big.js`, offset: 0, length: big.length });
    assertEquals(new Uint8Array(await full.arrayBuffer()), big);

    for (
      const [range, offset, length] of [
        ["bytes=0-99", 0, 100],
        ["bytes=300000-700001", 300000, 400002],
        ["bytes=1048000-", 1048000, 576],
        ["bytes=-1000", big.length - 1000, 1000],
        ["bytes=1048000-2000000", 1048000, 576],
      ] as [string, number, number][]
    ) {
      const res = await get("/big.js", { range });
      assertEquals(res.status, 206);
      assertEquals(fileBodyOf(res), { path: `${root}/big.js`, offset, length });
      assertEquals(res.headers.get("content-length"), String(length));
      assertEquals(new Uint8Array(await res.arrayBuffer()), big.subarray(offset, offset + length));
    }

    const empty = await get("/empty.txt");
    assertEquals(fileBodyOf(empty), { path: `${root}/empty.txt`, offset: 0, length: 0 });
    assertEquals((await empty.arrayBuffer()).byteLength, 0);

    const index = await get("/sub/");
    assertEquals(fileBodyOf(index), { path: `${root}/sub/index.html`, offset: 0, length: 12 });
    await index.body!.cancel();

    // No file body: HEAD, 304, 416, redirects, listings, errors.
    const tag = (await get("/small.bin")).headers.get("etag")!;
    for (
      const res of [
        await get("/big.js", {}, "HEAD"),
        await get("/small.bin", { "if-none-match": tag }),
        await get("/small.bin", { range: "bytes=9999-" }),
        await get("/sub"),
        await get("/missing"),
      ]
    ) {
      assertEquals(fileBodyOf(res), undefined, `${res.status}`);
      await res.body?.cancel();
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveDir opens the file only when the body is read, and closes it", async () => {
  const { base, root } = await makeTree();
  try {
    const before = fdCount();
    const unread = [];
    for (let i = 0; i < 20; i++) {
      unread.push(
        await serveDir(new Request("http://localhost/big.js"), { fsRoot: root, quiet: true }),
      );
    }
    assertEquals(fdCount(), before, "no descriptor for bodies not read");
    for (const res of unread) await res.body!.cancel();

    const partly = await serveDir(new Request("http://localhost/big.js"), {
      fsRoot: root,
      quiet: true,
    });
    const reader = partly.body!.getReader();
    const first = await reader.read();
    assertEquals(first.value!.length, 64 * 1024);
    assertEquals(fdCount(), before + 1, "the file is open while its body is read");
    await reader.cancel();
    // The close is an io_uring op: give it its turn.
    for (let i = 0; i < 50 && fdCount() !== before; i++) await new Promise((r) => setTimeout(r, 2));
    assertEquals(fdCount(), before, "cancel closes the file");

    const whole = await serveDir(new Request("http://localhost/page.html"), {
      fsRoot: root,
      quiet: true,
    });
    await whole.arrayBuffer();
    for (let i = 0; i < 50 && fdCount() !== before; i++) await new Promise((r) => setTimeout(r, 2));
    assertEquals(fdCount(), before, "the end of the body closes the file");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveDir body errors when the file shrank after the headers", async () => {
  const { base, root } = await makeTree();
  try {
    const res = await serveDir(new Request("http://localhost/page.html"), {
      fsRoot: root,
      quiet: true,
    });
    await Deno.truncate(`${root}/page.html`, 100);
    await assertRejects(() => res.arrayBuffer(), Deno.errors.UnexpectedEof);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveDir reads only what --allow-read allows, as @std/http's", async () => {
  const { base, root } = await makeTree();
  const repo = new URL("../../", import.meta.url).pathname;
  const vendor = `${repo}vendor`;
  const script = `${base}/child.ts`;
  await Deno.writeTextFile(
    script,
    `import { serveDir as std } from "@std/http/file-server";
import { serveDir } from "${repo}mod.ts";
const out = [];
for (const path of ["/small.bin", "/sub/", "/list/", "/link-out.txt"]) {
  for (const f of [std, serveDir]) {
    const res = await f(new Request("http://localhost" + path), {
      fsRoot: ${JSON.stringify(root)}, quiet: true, showDirListing: true,
    });
    out.push(path + " " + res.status + " " + (await res.text()).length);
  }
}
console.log(JSON.stringify(out));`,
  );
  try {
    // Read access to the root's files and index, not to list/ nor to the link's target.
    const allow = [`${root}/small.bin`, `${root}/sub`, `${root}/link-out.txt`, repo, vendor];
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--vendor",
        "--node-modules-dir=none",
        "--no-lock",
        `--config=${repo}deno.json`,
        "--allow-ffi",
        "--allow-env",
        `--allow-read=${allow.join(",")}`,
        script,
      ],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = dec.decode(child.stdout);
    assert(child.success, dec.decode(child.stderr));
    const lines: string[] = JSON.parse(text);
    for (let i = 0; i < lines.length; i += 2) assertEquals(lines[i + 1], lines[i]);
    assertEquals(lines.map((l) => l.split(" ").slice(0, 2).join(" ")), [
      "/small.bin 200",
      "/small.bin 200",
      "/sub/ 200",
      "/sub/ 200",
      "/list/ 500",
      "/list/ 500",
      "/link-out.txt 200",
      "/link-out.txt 200",
    ]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveFile sends ranges beyond 4 GiB from the right offset", async () => {
  const path = await Deno.makeTempFile({ suffix: ".bin" });
  try {
    const at = 5 * 1024 ** 3 + 12345; // past 2^32: offsets must reach the kernel whole
    const tail = patternBytes(100, 7);
    {
      using file = await Deno.open(path, { write: true });
      await file.truncate(at + tail.length); // sparse: no disk used
      await file.seek(at, Deno.SeekMode.Start);
      await file.write(tail);
    }
    const size = at + tail.length;
    const init = { headers: { range: `bytes=${at - 10}-${at + 49}` } };
    const want = await stdServeFile(new Request("http://localhost/", init), path);
    const got = await serveFile(new Request("http://localhost/", init), path);
    assertEquals(got.status, 206);
    assertEquals(got.headers.get("content-range"), `bytes ${at - 10}-${at + 49}/${size}`);
    assertEquals([...got.headers], [...want.headers]);
    assertEquals(fileBodyOf(got), { path, offset: at - 10, length: 60 });
    const body = new Uint8Array(await got.arrayBuffer());
    assertEquals(body, new Uint8Array(await want.arrayBuffer()));
    assertEquals(body.subarray(10), tail.subarray(0, 50));
    const head = await serveFile(new Request("http://localhost/", { method: "HEAD" }), path);
    assertEquals(head.headers.get("content-length"), String(size));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("serveFile labels every extension as @std/media-types' contentType does", async () => {
  const ours = await import("../../ffi/net/_media_types.ts");
  const exts = new Set<string>();
  // Every extension of mime-db, when the vendored copy is at hand (its db is not exported).
  const db = new URL("../../vendor/jsr.io/@std/media-types/1.1.0/vendor/db.ts", import.meta.url);
  try {
    const text = await Deno.readTextFile(db);
    for (const m of text.matchAll(/"extensions":\s*\[([^\]]*)\]/g)) {
      for (const e of m[1].matchAll(/"([^"]+)"/g)) exts.add(e[1]);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  for (const e of ["html", "HTML", "Js", "txt", "json", "wasm", "mjs", "svg", "x", "", "tar.gz"]) {
    exts.add(e);
  }
  for (const e of exts) {
    assertEquals(ours.contentTypeOf(`.${e}`), contentType(`.${e}`), e);
    assertEquals(ours.contentTypeOf(`.${e.toUpperCase()}`), contentType(`.${e.toUpperCase()}`), e);
  }
  assert(exts.size > 1000 || !exts.has("ez"), "the db was read whole");
});

Deno.test("serveDir keeps urlRoot paths inside fsRoot", async () => {
  const { base, root } = await makeTree();
  try {
    const opts = { fsRoot: root, urlRoot: "static", showDotfiles: true, quiet: true };
    // `/static../outside/secret.txt` loses `static` and becomes `/../outside/secret.txt`;
    // @std/http 1.1.2 serves base/outside/secret.txt for it.
    for (const path of ["/static../outside/secret.txt", "/static../root/small.bin"]) {
      const res = await serveDir(new Request(`http://localhost${path}`), opts);
      assertEquals(res.status, 404, path);
      assertEquals(await res.text(), "Not Found");
    }
    const inside = await serveDir(new Request("http://localhost/static/.hidden.txt"), opts);
    assertEquals(await inside.text(), "hidden");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
