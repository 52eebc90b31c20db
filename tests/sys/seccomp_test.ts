// Rings under a seccomp filter that blocks io_uring, as container runtimes' default profiles do:
// a Deno subprocess runs under tests/native/seccomp_launcher.c (built here with the C compiler)
// and must get a UringError that names the cause and what to do, never a crash or a hang, and
// must not leak fds. Ignored with a reason when there is no C compiler or seccomp is unavailable.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import type { Outcome } from "./_seccomp_child.ts"; // type only: the child script does not run

const CC = Deno.env.get("CC") ?? "cc";
const EPERM = 1;
const ENOSYS = 38;

/** Builds the launcher into a temp dir; the reason it cannot be used otherwise. */
function buildLauncher(): { path?: string; reason?: string } {
  const dir = Deno.makeTempDirSync({ prefix: "uring_seccomp_" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const path = `${dir}/seccomp_launcher`;
  const src = new URL("./native/seccomp_launcher.c", import.meta.url).pathname;
  try {
    const cc = new Deno.Command(CC, { args: ["-O2", "-Wall", "-o", path, src], stderr: "piped" })
      .outputSync();
    if (!cc.success) return { reason: `${CC} failed: ${new TextDecoder().decode(cc.stderr)}` };
  } catch {
    return { reason: `no C compiler (${CC})` };
  }
  const probe = new Deno.Command(path, { args: ["1", "setup", "true"], stderr: "piped" })
    .outputSync();
  if (!probe.success) {
    return {
      reason: `seccomp filters are not available: ${new TextDecoder().decode(probe.stderr)}`,
    };
  }
  return { path };
}

const launcher = buildLauncher();
const ignore = launcher.path === undefined;
const why = ignore ? ` (ignored: ${launcher.reason})` : "";

interface Report {
  ring: Outcome;
  asyncRing: Outcome & { value?: { nop: Outcome; timeout: Outcome } };
  /** `null` when the child could not read `/proc/self/fd`. */
  fdsLeaked: number | null;
}

/**
 * Runs tests/_seccomp_child.ts with the io_uring calls in `calls` failing with `errno`.
 * With `readProc` the child runs with `-A`: Deno reads `/proc/self/status` (where the filter
 * shows) and `/proc/self/fd` only then; otherwise with `--allow-ffi` and the loader's variable.
 */
async function underFilter(errno: number, calls: string, readProc = true): Promise<Report> {
  const child = new URL("./_seccomp_child.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(launcher.path!, {
    args: [
      String(errno),
      calls,
      Deno.execPath(),
      "run",
      "--no-lock",
      ...(readProc ? ["--allow-all"] : ["--allow-ffi", "--allow-env=DENO_URING_LIB"]),
      child,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const err = new TextDecoder().decode(stderr);
  assertEquals(code, 0, `the child crashed or failed (exit ${code}):\n${err}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** Asserts `o` is a UringError with `code` from `call` whose message includes `hints`. */
function assertRefused(o: Outcome, code: string, call: string, ...hints: string[]): void {
  assertEquals(o.ok, false, `expected ${code}, got ${JSON.stringify(o)}`);
  assertEquals(o.error, "UringError", JSON.stringify(o));
  assertEquals(o.code, code);
  assertStringIncludes(o.message!, `${call} failed: ${code}`);
  for (const h of hints) assertStringIncludes(o.message!, h);
}

Deno.test({
  name:
    `new Ring()/new AsyncRing() under a seccomp filter answering EPERM: UringError naming the filter${why}`,
  ignore,
  async fn() {
    const r = await underFilter(EPERM, "setup,enter,register");
    const hint = ["seccomp filter", "allow io_uring_setup, io_uring_enter and io_uring_register"];
    assertRefused(r.ring, "EPERM", "io_uring_setup", ...hint);
    assertRefused(r.asyncRing, "EPERM", "io_uring_setup", ...hint);
    assertEquals(r.fdsLeaked, 0);
  },
});

Deno.test({
  name:
    `new Ring()/new AsyncRing() under a seccomp filter answering ENOSYS: UringError naming the filter${why}`,
  ignore,
  async fn() {
    const r = await underFilter(ENOSYS, "setup,enter,register");
    const hint = ["seccomp filter", "or the kernel has none", "allow io_uring_setup"];
    assertRefused(r.ring, "ENOSYS", "io_uring_setup", ...hint);
    assertRefused(r.asyncRing, "ENOSYS", "io_uring_setup", ...hint);
    assertEquals(r.fdsLeaked, 0);
  },
});

Deno.test({
  name: `new Ring() under a seccomp filter, /proc/self/status not readable: the general hint${why}`,
  ignore,
  async fn() {
    const r = await underFilter(EPERM, "setup,enter,register", false);
    assertRefused(
      r.ring,
      "EPERM",
      "io_uring_setup",
      "check kernel.io_uring_disabled and the container's seccomp profile",
    );
    assertEquals(r.fdsLeaked, null);
  },
});

Deno.test({
  name:
    `Ring.submit() and AsyncRing ops with only io_uring_enter blocked: UringError, no hang${why}`,
  ignore,
  async fn() {
    const r = await underFilter(EPERM, "enter");
    assertRefused(r.ring, "EPERM", "io_uring_enter");
    const ops = r.asyncRing.value!;
    assert(r.asyncRing.ok, `the AsyncRing was set up and closed: ${JSON.stringify(r.asyncRing)}`);
    assertRefused(ops.nop, "EPERM", "io_uring_enter");
    assertRefused(ops.timeout, "EPERM", "io_uring_enter");
    assertEquals(r.fdsLeaked, 0);
  },
});

Deno.test({
  name:
    `Rings work with only io_uring_register blocked (registering the ring fd is optional)${why}`,
  ignore,
  async fn() {
    const r = await underFilter(EPERM, "register");
    assertEquals(r.ring, { ok: true, value: 1 });
    assertMatch(JSON.stringify(r.asyncRing), /"nop":\{"ok":true\}.*"timeout":\{"ok":true\}/);
    assertEquals(r.fdsLeaked, 0);
  },
});
