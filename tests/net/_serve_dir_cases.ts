// The tree, option sets and requests that tests/net/serve_dir_test.ts sends to serveDir and to
// @std/http's, and the raw-TCP client that sends them.
import { assert } from "@std/assert";
import type { ServeDirOptions } from "../../ffi/mod.ts";
import { patternBytes } from "../_helpers.ts";

const enc = new TextEncoder();
export const dec = new TextDecoder();

/** The served tree, beside a directory outside it that links point into. */
export async function makeTree(): Promise<{ base: string; root: string }> {
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
export function optionSets(root: string): Record<string, ServeDirOptions> {
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

export interface Case {
  name: string;
  target: string;
  method?: string;
  headers?: Record<string, string>;
  opts?: string;
  /** The status both must answer (so that a case cannot pass by both servers failing alike). */
  status: number;
}

export function cases(smallTag: string): Case[] {
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

export interface Answer {
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
export async function ask(port: number, c: Case): Promise<Answer> {
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
