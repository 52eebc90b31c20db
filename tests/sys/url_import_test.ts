// A user's view of a URL import: Deno and a kernel, no C compiler, no liburing. A static file
// server on 127.0.0.1 serves this checkout; a child `deno run` with a fresh DENO_DIR, a PATH that
// holds only a link to the deno binary, and exactly the flags the loader documents imports
// http://127.0.0.1:PORT/mod.ts and reads a file through AsyncRing. Nothing leaves the machine.
import { assert, assertEquals, assertMatch, assertNotEquals, assertThrows } from "@std/assert";
import { DIST_SHA256, DIST_VERSION } from "../../ffi/sys/dist_pin.ts";
import { distLibName, LOADER_ENV, remoteFlags } from "../../ffi/sys/loader.ts";

const root = new URL("../../", import.meta.url);
const libName = distLibName();
const pinned = DIST_SHA256[Deno.build.arch];

const TYPES: Record<string, string> = {
  ts: "application/typescript",
  so: "application/octet-stream",
  json: "application/json",
};

async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the server does with requests for the prebuilt library. */
type LibMode = "serve" | "missing" | "tampered";

/** A static file server over the checkout that counts the requests for the prebuilt library. */
class RepoServer implements AsyncDisposable {
  libMode: LibMode = "serve";
  libFetches = 0;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly port: number;

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
    this.port = this.#server.addr.port;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const file = new URL(`.${path}`, root);
    if (path.includes("..") || !file.href.startsWith(root.href)) {
      return new Response("forbidden", { status: 403 });
    }
    if (path.startsWith("/native/dist/")) {
      this.libFetches++;
      if (this.libMode === "missing") return new Response("not found", { status: 404 });
    }
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(file);
    } catch {
      return new Response("not found", { status: 404 });
    }
    if (this.libMode === "tampered" && path.endsWith(".so")) body[body.length - 1] ^= 0xff;
    const ext = path.slice(path.lastIndexOf(".") + 1);
    const type = TYPES[ext] ?? "application/octet-stream";
    return new Response(body, { headers: { "content-type": type } });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

/** A fresh DENO_DIR and HOME plus the user's script, removed on dispose. */
class UserMachine implements Disposable {
  readonly dir = Deno.makeTempDirSync({ prefix: "uring_url_import_" });
  readonly denoDir = `${this.dir}/deno_dir`;
  readonly home = `${this.dir}/home`;
  /** The loader's cache directory for this machine: $DENO_DIR/deno_uring. */
  readonly cache = `${this.denoDir}/deno_uring`;
  readonly data = `${this.dir}/hello.txt`;
  /** PATH for the child: a directory that holds only a link to the deno binary. */
  readonly bin = `${this.dir}/bin`;

  constructor(server: RepoServer) {
    Deno.mkdirSync(this.denoDir);
    Deno.mkdirSync(this.bin);
    Deno.symlinkSync(Deno.execPath(), `${this.bin}/deno`);
    Deno.mkdirSync(this.home);
    Deno.writeTextFileSync(this.data, "hello from io_uring over a URL import\n");
    Deno.writeTextFileSync(
      `${this.dir}/user.ts`,
      `import { AsyncRing } from "http://${server.host}/mod.ts";
await using io = new AsyncRing({ entries: 8 });
const buf = new Uint8Array(256);
const fd = await io.open(Deno.args[0]);
const n = await io.read(fd, buf, 0);
await io.closeFd(fd);
console.log(new TextDecoder().decode(buf.subarray(0, n)).trim());
`,
    );
  }

  /** Where the loader keeps the fetched library. */
  get cachedLib(): string {
    return `${this.cache}/${DIST_VERSION}-${pinned!.slice(0, 16)}/${libName}`;
  }

  /** The flags the loader documents for a URL import, with this machine's cache directory. */
  flags(server: RepoServer): string[] {
    const c = this.cache;
    const flags = [
      `--allow-import=${server.host}`,
      `--allow-net=${server.host}`,
      `--allow-env=${LOADER_ENV.join(",")}`,
      `--allow-read=${c}`,
      `--allow-write=${c}`,
      `--allow-ffi`,
    ];
    // The documented line and the one the loader prints in its errors are the same.
    assertEquals(flags.join(" "), remoteFlags(new URL(`http://${server.host}/ffi/loader.ts`), c));
    return flags;
  }

  async run(flags: string[], env: Record<string, string> = {}) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      // --no-lock: a deno.lock found above the temp dir (beside a package.json in /tmp, say) must not
      // pin this server's modules, whose content changes from run to run on a reused port
      args: ["run", "--quiet", "--no-lock", ...flags, `${this.dir}/user.ts`, this.data],
      cwd: this.dir,
      clearEnv: true,
      env: {
        PATH: this.bin,
        DENO_DIR: this.denoDir,
        HOME: this.home,
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
        ...env,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code, stdout: dec.decode(stdout).trim(), stderr: dec.decode(stderr) };
  }

  [Symbol.dispose](): void {
    Deno.removeSync(this.dir, { recursive: true });
  }
}

const ignore = Deno.build.os !== "linux" || pinned === undefined;

Deno.test({
  name: "URL import: mod.ts over http with only the documented flags reads a file, no cc on PATH",
  ignore,
  async fn() {
    await using server = new RepoServer();
    using user = new UserMachine(server);
    assertEquals([...Deno.readDirSync(user.bin)].map((e) => e.name), ["deno"]);
    const first = await user.run(user.flags(server));
    assertEquals(first.code, 0, first.stderr);
    assertEquals(first.stdout, "hello from io_uring over a URL import");
    assertEquals(server.libFetches, 1);
    assertEquals(await sha256Hex(Deno.readFileSync(user.cachedLib)), pinned);
    // Once cached, the library is verified but not fetched again.
    const second = await user.run(user.flags(server));
    assertEquals(second.code, 0, second.stderr);
    assertEquals(second.stdout, first.stdout);
    assertEquals(server.libFetches, 1);
  },
});

Deno.test({
  name: "URL import: a corrupted cached library is detected and fetched again",
  ignore,
  async fn() {
    await using server = new RepoServer();
    using user = new UserMachine(server);
    assertEquals((await user.run(user.flags(server))).code, 0);
    const bytes = Deno.readFileSync(user.cachedLib);
    bytes.fill(0x90, 0x1000, 0x1100);
    Deno.writeFileSync(user.cachedLib, bytes);
    const again = await user.run(user.flags(server));
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.stdout, "hello from io_uring over a URL import");
    assertEquals(server.libFetches, 2);
    assertEquals(await sha256Hex(Deno.readFileSync(user.cachedLib)), pinned);
  },
});

Deno.test({
  name: "URL import: a served library that does not match the pin is refused, naming both hashes",
  ignore,
  async fn() {
    await using server = new RepoServer();
    server.libMode = "tampered";
    using user = new UserMachine(server);
    const bad = Deno.readFileSync(new URL(`native/dist/${libName}`, root));
    bad[bad.length - 1] ^= 0xff;
    const badHash = await sha256Hex(bad);
    const r = await user.run(user.flags(server));
    assertNotEquals(r.code, 0);
    assertMatch(r.stderr, new RegExp(`SHA-256 ${badHash}`));
    assertMatch(r.stderr, new RegExp(`pins ${pinned}`));
    assertThrows(
      () => Deno.statSync(user.cachedLib),
      Deno.errors.NotFound,
      undefined,
      "nothing unverified is cached",
    );
  },
});

Deno.test({
  name: "URL import: DENO_URING_LIB wins over fetching",
  ignore,
  async fn() {
    await using server = new RepoServer();
    server.libMode = "missing";
    using user = new UserMachine(server);
    const lib = `${user.dir}/my_${libName}`;
    Deno.copyFileSync(new URL(`native/dist/${libName}`, root), lib);
    const r = await user.run(user.flags(server), { DENO_URING_LIB: lib });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "hello from io_uring over a URL import");
    assertEquals(server.libFetches, 0);
  },
});

Deno.test({
  name: "URL import: a library the server does not have gives an error that says what to do",
  ignore,
  async fn() {
    await using server = new RepoServer();
    server.libMode = "missing";
    using user = new UserMachine(server);
    const r = await user.run(user.flags(server));
    assertNotEquals(r.code, 0);
    assertMatch(r.stderr, /HTTP 404/);
    assertMatch(r.stderr, /set DENO_URING_LIB to a local libdeno_uring\.so/);
    assertMatch(r.stderr, /deno task build/);
  },
});

Deno.test({
  name: "URL import: without --allow-net the error lists the flags to run with",
  ignore,
  async fn() {
    await using server = new RepoServer();
    using user = new UserMachine(server);
    const flags = user.flags(server).filter((f) => !f.startsWith("--allow-net="));
    const r = await user.run(flags);
    assertNotEquals(r.code, 0);
    assert(r.stderr.includes(`run with ${user.flags(server).join(" ")}`), r.stderr);
    assertEquals(server.libFetches, 0);
  },
});
