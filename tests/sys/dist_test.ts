// The prebuilt libraries in native/dist/ must be built from the C sources of this checkout: a URL
// import fetches them instead of compiling native/*.c, so a C change without `deno task build:dist`
// would ship old code under a new version.
import { assert, assertEquals, assertLess } from "@std/assert";
import { distName, sha256Hex, sourceHash } from "../../native/build_dist.ts";
import { DIST_SHA256, DIST_SOURCE_SHA256, DIST_VERSION } from "../../ffi/sys/dist_pin.ts";
import { SHIM_VERSION, symbols } from "../../ffi/sys/symbols.ts";

const root = new URL("../../", import.meta.url);
const dist = new URL("native/dist/", root);
const REBUILD = "run `deno task build:dist` and commit native/dist/ and ffi/sys/dist_pin.ts";

Deno.test("native/dist was built from the current native/*.c", async () => {
  const current = await sourceHash(new URL("native/", root));
  const recorded = Deno.readTextFileSync(new URL("SOURCE_SHA256", dist)).trim();
  assertEquals(recorded, current, `native/*.c changed since native/dist was built: ${REBUILD}`);
  assertEquals(DIST_SOURCE_SHA256, current, `ffi/sys/dist_pin.ts is stale: ${REBUILD}`);
});

Deno.test("ffi/sys/dist_pin.ts pins the SHA-256 of every library in native/dist", async () => {
  const files = [...Deno.readDirSync(dist)].map((e) => e.name).filter((n) => n.endsWith(".so"));
  assert(files.includes(distName("x86_64")), `no linux-x86_64 library: ${REBUILD}`);
  for (const name of files) {
    const arch = name.slice("libdeno_uring.linux-".length, -".so".length);
    const pinned = DIST_SHA256[arch as typeof Deno.build.arch];
    assert(pinned !== undefined, `native/dist/${name} has no pin: ${REBUILD}`);
    const actual = await sha256Hex(Deno.readFileSync(new URL(name, dist)));
    assertEquals(actual, pinned, `native/dist/${name} does not match its pin: ${REBUILD}`);
  }
  for (const arch of Object.keys(DIST_SHA256)) {
    assert(files.includes(distName(arch)), `the pin names ${arch} but there is no library`);
  }
});

Deno.test("ffi/sys/dist_pin.ts DIST_VERSION is the version in deno.json", () => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root)));
  assertEquals(DIST_VERSION, config.version, `deno.json's version changed: ${REBUILD}`);
});

Deno.test({
  name: "native/dist library for this machine has the shim version ffi/sys/symbols.ts expects",
  ignore: DIST_SHA256[Deno.build.arch] === undefined,
  fn() {
    const path = new URL(distName(Deno.build.arch), dist).pathname;
    const lib = Deno.dlopen(path, { uring_shim_abi: symbols.uring_shim_abi });
    try {
      assertEquals(lib.symbols.uring_shim_abi, SHIM_VERSION, `stale shim: ${REBUILD}`);
    } finally {
      lib.close();
    }
  },
});

Deno.test("native/dist library is stripped and small", () => {
  const size = Deno.statSync(new URL(distName("x86_64"), dist)).size;
  assertLess(size, 200_000, `native/dist/${distName("x86_64")} is ${size} bytes`);
});
