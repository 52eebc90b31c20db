// serveDir/serveFile against @std/http's, both under Deno.serve, on the same requests: status,
// headers (all but Date) and body must be equal. Requests go out raw over TCP, so that paths with
// `..` and odd encodings reach the servers as written.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { serveDir as stdServeDir, serveFile as stdServeFile } from "@std/http/file-server";
import { eTag } from "@std/http/etag";
import { contentType } from "@std/media-types/content-type";
import { serveDir, serveFile } from "../../ffi/mod.ts";
import { fileBodyOf } from "../../ffi/net/_file_body.ts";
import { fdCount, patternBytes } from "../_helpers.ts";
import { ask, cases, dec, makeTree, optionSets } from "./_serve_dir_cases.ts";

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
