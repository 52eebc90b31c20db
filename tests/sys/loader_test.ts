// The loader's synchronous half: the DENO_URING_LIB override and a clone's file: layout (local
// build first, then the committed prebuilt library). The http(s) half is in url_import_test.ts.
import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { assertSpyCalls, stub } from "@std/testing/mock";
import { copyClone } from "../_helpers.ts";
import { DIST_SHA256 } from "../../ffi/sys/dist_pin.ts";
import { cacheRoot, distLibName, LIB_ENV, LIB_NAME, resolveLibrary } from "../../ffi/sys/loader.ts";

/** A fake checkout: `<dir>/ffi/loader.ts` is the base URL, with optional library files. */
function checkout(files: string[]): { base: URL; dir: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "uring_loader_" });
  for (const f of ["ffi/sys/loader.ts", ...files]) {
    Deno.mkdirSync(`${dir}/${f.slice(0, f.lastIndexOf("/"))}`, { recursive: true });
    Deno.writeFileSync(`${dir}/${f}`, new Uint8Array());
  }
  return {
    base: new URL(`file://${dir}/ffi/sys/loader.ts`),
    dir,
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

/**
 * Runs `fn` with `Deno.env.get` stubbed so that `name` reads as `value` (or unset); other
 * variables read through. The process environment itself is never touched.
 */
function withEnv(value: string | undefined, fn: () => void, name = LIB_ENV): void {
  const realGet = Deno.env.get.bind(Deno.env);
  using _get = stub(Deno.env, "get", (key: string) => key === name ? value : realGet(key));
  fn();
}

Deno.test("resolveLibrary() prefers the local build in a file: checkout", () => {
  using c = checkout([`native/build/${LIB_NAME}`, `native/dist/${distLibName()}`]);
  withEnv(undefined, () => {
    assertEquals(resolveLibrary(c.base), `${c.dir}/native/build/${LIB_NAME}`);
  });
});

Deno.test({
  name: "resolveLibrary() falls back to native/dist when a checkout has no local build",
  ignore: DIST_SHA256[Deno.build.arch] === undefined,
  fn() {
    using c = checkout([`native/dist/${distLibName()}`]);
    withEnv(undefined, () => {
      assertEquals(resolveLibrary(c.base), `${c.dir}/native/dist/${distLibName()}`);
    });
  },
});

Deno.test("resolveLibrary() with neither build says what to install or set", () => {
  using c = checkout([]);
  withEnv(undefined, () => {
    const err = assertThrows(() => resolveLibrary(c.base), Error, LIB_ENV);
    assertStringIncludes(err.message, "deno task build");
    assertStringIncludes(err.message, "apt-get install gcc liburing-dev");
  });
});

Deno.test("resolveLibrary() takes DENO_URING_LIB over everything else", () => {
  using c = checkout([`native/build/${LIB_NAME}`]);
  withEnv("/opt/mine/libdeno_uring.so", () => {
    assertEquals(resolveLibrary(c.base), "/opt/mine/libdeno_uring.so");
    assertEquals(
      resolveLibrary(new URL("https://example.com/ffi/loader.ts")),
      "/opt/mine/libdeno_uring.so",
    );
  });
});

Deno.test("resolveLibrary() for a module at another kind of URL names DENO_URING_LIB", () => {
  withEnv(undefined, () => {
    assertThrows(() => resolveLibrary(new URL("data:text/plain,x")), Error, LIB_ENV);
  });
});

/** Stubs `Deno.permissions.querySync` so that only the env variables in `granted` are readable. */
function grantEnv(...granted: string[]): Disposable {
  return stub(Deno.permissions, "querySync", (desc: Deno.PermissionDescriptor) => {
    const ok = desc.name === "env" && granted.includes(desc.variable ?? "");
    return { state: ok ? "granted" : "prompt" } as Deno.PermissionStatus;
  });
}

Deno.test("resolveLibrary() ignores DENO_URING_LIB when --allow-env does not cover it", () => {
  using c = checkout([`native/build/${LIB_NAME}`]);
  using _env = grantEnv(); // nothing granted
  using get = stub(Deno.env, "get", () => "/opt/mine/libdeno_uring.so");
  assertEquals(resolveLibrary(c.base), `${c.dir}/native/build/${LIB_NAME}`);
  assertSpyCalls(get, 0); // never read, so never a permission prompt
});

Deno.test("cacheRoot() reads only the variables --allow-env grants", () => {
  using _env = grantEnv("HOME");
  using get = stub(Deno.env, "get", (name: string) => name === "HOME" ? "/home/me/" : "/elsewhere");
  assertEquals(cacheRoot(), "/home/me/.cache/deno_uring");
  assertEquals(get.calls.map((call) => call.args[0]), ["HOME"]);
});

Deno.test("cacheRoot() is $DENO_DIR/deno_uring when DENO_DIR is set", () => {
  withEnv("/tmp/some_deno_dir/", () => {
    assertEquals(cacheRoot(), "/tmp/some_deno_dir/deno_uring");
  }, "DENO_DIR");
});

Deno.test({
  name: "native() in a clone with no compiler and only --allow-ffi uses native/dist",
  ignore: DIST_SHA256[Deno.build.arch] === undefined,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "uring_clone_" });
    try {
      copyClone(dir);
      Deno.writeTextFileSync(
        `${dir}/user.ts`,
        `import { Ring } from "./mod.ts";
using ring = new Ring({ entries: 4 });
ring.getSqe()!.prepNop();
console.log(ring.submitAndWait(1));
`,
      );
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--allow-ffi", `${dir}/user.ts`],
        cwd: dir,
        env: { DENO_URING_LIB: "", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      assertEquals(code, 0, dec.decode(stderr));
      assertEquals(dec.decode(stdout).trim(), "1");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
