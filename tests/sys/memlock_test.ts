// The kernel charges ring memory to RLIMIT_MEMLOCK (`ulimit -l`) for a process without
// CAP_IPC_LOCK: kernels before 5.12 did, and recent ones do again (6.18 does). Under a tiny limit
// a ring must fail with a UringError ENOMEM whose message says what to raise, and fit under a
// generous one. Run in a child under `prlimit`; as root, CAP_IPC_LOCK is dropped with `setpriv`
// (root would otherwise be exempt from the limit).
import { assertEquals, assertStringIncludes } from "@std/assert";

function has(tool: string): boolean {
  try {
    return new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const root = Deno.uid() === 0;
const missing = ["prlimit", ...(root ? ["setpriv"] : [])].filter((t) => !has(t));
// Kernels 5.12 and later stopped charging rings to the limit for a while; 6.18 charges them again.
const [major, minor] = Deno.osRelease().split(".").map(Number);
const kernel = major * 1000 + minor;
const charges = kernel < 5012 || kernel >= 6018;

/** What `new Ring({ entries })` does in a child whose RLIMIT_MEMLOCK is `bytes`. */
async function ringUnderLimit(bytes: number, entries: number): Promise<Record<string, unknown>> {
  const script = `import { Ring } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url))};
try {
  new Ring({ entries: ${entries} }).close();
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ name: e.name, code: e.code, errno: e.errno, message: e.message }));
}`;
  const deno = [Deno.execPath(), "eval", "--quiet", script];
  const dropCap = root
    ? ["setpriv", "--inh-caps=-ipc_lock", "--ambient-caps=-ipc_lock", "--bounding-set=-ipc_lock"]
    : [];
  const { code, stdout, stderr } = await new Deno.Command("prlimit", {
    args: [`--memlock=${bytes}:${bytes}`, ...dropCap, ...deno],
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assertEquals(code, 0, err);
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test({
  name: "new Ring() under a 4 KiB RLIMIT_MEMLOCK without CAP_IPC_LOCK is UringError ENOMEM",
  ignore: missing.length !== 0 || !charges,
  async fn() {
    const r = await ringUnderLimit(4096, 4);
    assertEquals([r.name, r.code, r.errno], ["UringError", "ENOMEM", 12]);
    assertStringIncludes(r.message as string, "io_uring_setup");
    assertStringIncludes(r.message as string, "RLIMIT_MEMLOCK");
    assertStringIncludes(r.message as string, "CAP_IPC_LOCK");
    assertStringIncludes(r.message as string, "ulimit -l");
    // The same ring fits once the limit is raised: the limit is what refused it.
    assertEquals(await ringUnderLimit(8 << 20, 4), { ok: true });
  },
});

if (missing.length !== 0) {
  console.warn(`memlock_test: ${missing.join(" and ")} not installed (util-linux): test ignored`);
} else if (!charges) {
  console.warn(`memlock_test: kernel ${Deno.osRelease()} may not charge rings: test ignored`);
}
