// Run by tests/seccomp_test.ts under tests/native/seccomp_launcher.c: tries the rings with some
// io_uring system calls blocked and prints one JSON object with what happened. Every step is
// bounded, so a hang shows up as a step that never reported, not as a stuck test.
import { AsyncRing, Ring, UringError } from "../../ffi/mod.ts";

/** What one step ended with: a result, or the error's class, code and message. */
export interface Outcome {
  ok: boolean;
  value?: unknown;
  error?: string;
  code?: string;
  message?: string;
}

function describe(e: unknown): Outcome {
  return e instanceof UringError
    ? { ok: false, error: "UringError", code: e.code, message: e.message }
    : { ok: false, error: e instanceof Error ? e.name : typeof e, message: String(e) };
}

function attempt(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return describe(e);
  }
}

async function attemptAsync(fn: () => Promise<unknown>): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<Outcome>((res) => {
    timer = setTimeout(() => res({ ok: false, error: "hang" }), 5000);
  });
  try {
    return await Promise.race([fn().then((value) => ({ ok: true, value })), hang]);
  } catch (e) {
    return describe(e);
  } finally {
    clearTimeout(timer);
  }
}

/** Open fds of this process; `NaN` when reading `/proc` is not allowed (Deno wants `-A`). */
function fdCount(): number {
  try {
    return [...Deno.readDirSync("/proc/self/fd")].length;
  } catch {
    return NaN;
  }
}

const report: Record<string, Outcome | number | null> = {};
const fdsBefore = fdCount();

report.ring = attempt(() => {
  const ring = new Ring({ entries: 4 });
  try {
    ring.getSqe()!.prepNop();
    return ring.submit();
  } finally {
    ring.close();
  }
});

report.asyncRing = await attemptAsync(async () => {
  const io = new AsyncRing({ entries: 4 });
  try {
    const nop = await attemptAsync(() => io.nop());
    const timeout = await attemptAsync(() => io.timeout(5));
    return { nop, timeout };
  } finally {
    await io[Symbol.asyncDispose]();
  }
});

const leaked = fdCount() - fdsBefore;
report.fdsLeaked = Number.isNaN(leaked) ? null : leaked;
console.log(JSON.stringify(report));
