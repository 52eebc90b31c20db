/**
 * Builds the prebuilt libraries that a module imported from a URL fetches (`deno task build:dist`):
 * `native/dist/libdeno_uring.linux-<arch>.so`, compiled with `-O2`, linked statically with
 * Debian's `liburing.a` and stripped. It records what it built twice:
 *
 * - `native/dist/SOURCE_SHA256`: the SHA-256 of the C sources (`native/*.c`, `native/*.h`), which
 *   `tests/dist_test.ts` compares with the sources of the checkout so that CI fails when the C
 *   changed and the prebuilt library was not rebuilt;
 * - `ffi/sys/dist_pin.ts`: the same source hash and the SHA-256 of each library, which the loader
 *   checks before `dlopen` (the pin travels in TypeScript, so it comes from the same place as the
 *   code that trusts it).
 *
 * linux-x86_64 is always built. linux-aarch64 is built when the cross compiler
 * `aarch64-linux-gnu-gcc` and an aarch64 `liburing.a` are found, in the cross sysroot
 * (`/usr/aarch64-linux-gnu/lib/`), in `/usr/lib/aarch64-linux-gnu/`, or where `LIBURING_AARCH64`
 * says; otherwise the pin keeps no aarch64 entry (a warning says so) and such machines build from
 * source. On Debian bookworm, without making arm64 packages replace amd64 ones:
 *
 * ```sh
 * apt-get install gcc-aarch64-linux-gnu
 * dpkg --add-architecture arm64 && apt-get update && apt-get download liburing-dev:arm64
 * dpkg-deb -x liburing-dev_*_arm64.deb /tmp/liburing-arm64
 * cp /tmp/liburing-arm64/usr/lib/aarch64-linux-gnu/liburing.a /usr/aarch64-linux-gnu/lib/
 * cp -r /tmp/liburing-arm64/usr/include/liburing* /usr/aarch64-linux-gnu/include/
 * ```
 *
 * @module
 */

const here = new URL("./", import.meta.url);
const root = new URL("../", here);
const dist = new URL("dist/", here);
const pinFile = new URL("ffi/sys/dist_pin.ts", root);

/** File name of the prebuilt library for `arch` (a `Deno.build.arch` value). */
export function distName(arch: string): string {
  return `libdeno_uring.linux-${arch}.so`;
}

/** Lowercase hex SHA-256 of `data`. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * SHA-256 over the C sources in `native/` (`*.c` and `*.h`, by name): the hash of the text
 * `sha256sum` would print for them, one `<hex>  <name>\n` line per file in name order.
 */
export async function sourceHash(dir: URL = here): Promise<string> {
  const names = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && /\.[ch]$/.test(e.name))
    .map((e) => e.name)
    .sort();
  let manifest = "";
  for (const name of names) {
    manifest += `${await sha256Hex(Deno.readFileSync(new URL(name, dir)))}  ${name}\n`;
  }
  return sha256Hex(new TextEncoder().encode(manifest));
}

function findArchive(candidates: string[]): string | undefined {
  for (const path of candidates) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* next */ }
  }
  return undefined;
}

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const { success, stderr } = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
    if (!success) console.error(new TextDecoder().decode(stderr));
    return success;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

interface Target {
  arch: string;
  cc: string;
  archive: string | undefined;
}

/**
 * For a cross build whose liburing.a is not in the cross sysroot: a directory holding only the
 * liburing headers (they are the same on every architecture), so that `-isystem` does not pull in
 * the host's libc headers.
 */
function crossIncludes(archive: string): string[] {
  if (archive.startsWith("/usr/aarch64-linux-gnu/")) return [];
  const m = archive.match(/^(.*)\/lib\/aarch64-linux-gnu\/liburing\.a$/);
  const from = Deno.env.get("LIBURING_AARCH64_INCLUDE") ?? `${m?.[1] ?? "/usr"}/include`;
  const dir = Deno.makeTempDirSync({ prefix: "liburing_include_" });
  Deno.symlinkSync(`${from}/liburing.h`, `${dir}/liburing.h`);
  Deno.symlinkSync(`${from}/liburing`, `${dir}/liburing`);
  return ["-isystem", dir];
}

function targets(): Target[] {
  return [
    {
      arch: "x86_64",
      cc: Deno.env.get("CC") ?? "cc",
      archive: findArchive(["/usr/lib/x86_64-linux-gnu/liburing.a", "/usr/lib64/liburing.a"]),
    },
    {
      arch: "aarch64",
      cc: "aarch64-linux-gnu-gcc",
      archive: Deno.env.get("LIBURING_AARCH64") ??
        findArchive([
          "/usr/aarch64-linux-gnu/lib/liburing.a",
          "/usr/lib/aarch64-linux-gnu/liburing.a",
        ]),
    },
  ];
}

async function buildTarget(t: Target, source: URL): Promise<string | undefined> {
  const native = Deno.build.arch === t.arch;
  if (t.archive === undefined) {
    const what = native ? "liburing-dev" : `${t.arch} liburing.a (set LIBURING_AARCH64)`;
    if (native) throw new Error(`Building native/dist needs gcc and ${what}`);
    console.error(`warning: skipped linux-${t.arch}: no ${what}; see native/build_dist.ts`);
    return undefined;
  }
  const out = new URL(distName(t.arch), dist);
  const args = [
    "-O2",
    "-Wall",
    "-Wextra",
    "-fPIC",
    "-fvisibility=hidden",
    "-ffunction-sections",
    "-fdata-sections",
    ...(native ? [] : crossIncludes(t.archive)),
    "-shared",
    "-s",
    "-Wl,--gc-sections",
    "-Wl,--exclude-libs,ALL",
    "-Wl,-z,relro,-z,now",
    "-Wl,--hash-style=gnu",
    "-o",
    out.pathname,
    source.pathname,
    t.archive,
  ];
  if (!(await run(t.cc, args))) {
    if (native) throw new Error(`building ${distName(t.arch)} with ${t.cc} failed`);
    console.error(`warning: skipped linux-${t.arch}: ${t.cc} is not installed or failed`);
    return undefined;
  }
  const bytes = Deno.readFileSync(out);
  console.error(`built native/dist/${distName(t.arch)}: ${bytes.length} bytes`);
  return sha256Hex(bytes);
}

function pinSource(version: string, source: string, libs: Record<string, string>): string {
  const entries = Object.entries(libs).map(([arch, hash]) => `  ${arch}: "${hash}",\n`).join("");
  return `// Generated by \`deno task build:dist\` (native/build_dist.ts): do not edit by hand.
/**
 * What the prebuilt libraries in \`native/dist/\` are: the loader checks a fetched library against
 * {@link DIST_SHA256} before it opens it, and \`tests/dist_test.ts\` checks that the C sources have
 * not changed since they were built.
 *
 * @module
 */

/** The package version the prebuilt libraries were built for; part of the cache directory name. */
export const DIST_VERSION = "${version}";

/** SHA-256 of the C sources (\`native/*.c\`, \`native/*.h\`) the libraries were built from. */
export const DIST_SOURCE_SHA256 = "${source}";

/** SHA-256 of \`native/dist/libdeno_uring.linux-<arch>.so\`, by \`Deno.build.arch\`. */
export const DIST_SHA256: Readonly<Partial<Record<typeof Deno.build.arch, string>>> = {
${entries}};
`;
}

if (import.meta.main) {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root)));
  const version = String(config.version);
  Deno.mkdirSync(dist, { recursive: true });
  const source = new URL("uring_shim.c", here);
  const libs: Record<string, string> = {};
  for (const t of targets()) {
    const hash = await buildTarget(t, source);
    if (hash !== undefined) {
      libs[t.arch] = hash;
      continue;
    }
    try {
      Deno.removeSync(new URL(distName(t.arch), dist));
      console.error(`removed the stale native/dist/${distName(t.arch)}`);
    } catch { /* there was none */ }
  }
  const src = await sourceHash();
  Deno.writeTextFileSync(new URL("SOURCE_SHA256", dist), src + "\n");
  Deno.writeTextFileSync(pinFile, pinSource(version, src, libs));
  await run(Deno.execPath(), ["fmt", "--quiet", pinFile.pathname]);
  console.error(`wrote native/dist/SOURCE_SHA256 and ffi/sys/dist_pin.ts (${src.slice(0, 16)}…)`);
}
