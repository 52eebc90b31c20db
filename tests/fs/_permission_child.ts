// Child of permissions_test.ts: runs every file function on a sandbox with the module's
// functions ("ours") or Deno's ("deno"), and prints what each did, one JSON line per call.
import * as ours from "../../ffi/mod.ts";

const [which, d] = Deno.args;
const fs = which === "ours" ? ours : Deno;
const calls: [string, () => Promise<unknown>][] = [
  ["readFile", () => fs.readFile(`${d}/f`)],
  ["readTextFile", () => fs.readTextFile(`${d}/f`)],
  ["writeFile", () => fs.writeFile(`${d}/w`, new Uint8Array(1))],
  ["writeTextFile", () => fs.writeTextFile(`${d}/w`, "x")],
  ["stat", () => fs.stat(`${d}/f`)],
  ["lstat", () => fs.lstat(`${d}/f`)],
  ["stat relative", () => fs.stat("f")],
  ["mkdir", () => fs.mkdir(`${d}/m`)],
  ["mkdir recursive", () => fs.mkdir(`${d}/m/n/o`, { recursive: true })],
  ["mkdir in tree/sub", () => fs.mkdir(`${d}/tree/sub/x`)],
  ["rename", () => fs.rename(`${d}/r1`, `${d}/r2`)],
  ["link", () => fs.link(`${d}/f`, `${d}/hard`)],
  ["symlink", () => fs.symlink("f", `${d}/soft`)],
  ["truncate", () => fs.truncate(`${d}/t`, 1)],
  ["copyFile", () => fs.copyFile(`${d}/f`, `${d}/copy`)],
  ["readDir", async () => {
    for await (const _ of fs.readDir(d));
  }],
  ["realPath", () => fs.realPath(`${d}/f`)],
  ["readLink", () => fs.readLink(`${d}/f`)],
  ["chmod", () => fs.chmod(`${d}/f`, 0o644)],
  ["chown", () => fs.chown(`${d}/f`, null, null)],
  ["utime", () => fs.utime(`${d}/f`, 1, 1)],
  ["makeTempFile", () => fs.makeTempFile()],
  ["makeTempFile dir", () => fs.makeTempFile({ dir: d })],
  ["makeTempDir", () => fs.makeTempDir()],
  ["makeTempDir dir", () => fs.makeTempDir({ dir: d })],
  ["remove", () => fs.remove(`${d}/gone`)],
  ["remove recursive", () => fs.remove(`${d}/tree`, { recursive: true })],
  ["stat /proc", () => fs.stat("/proc/self/status")],
  ["readFile /proc", () => fs.readFile("/proc/self/status")],
  ["stat /dev/null", () => fs.stat("/dev/null")],
  ["copyFile to /dev/full", () => fs.copyFile(`${d}/f`, "/dev/full")],
  ["mkdir /sys", () => fs.mkdir("/sys/x")],
  ["remove /proc", () => fs.remove("/proc/x")],
  ["stat /dev/tty", () => fs.stat("/dev/tty")],
  ["mkdir /dev/shm", () => fs.mkdir("/dev/shm/uring_perm_child_x")],
  ["stat /dev/ trailing slash", () => fs.stat("/dev/")],
  ["stat /devices", () => fs.stat("/devices")],
  ["stat //proc", () => fs.stat("//proc/self/status")],
  ["stat /proc/pressure", () => fs.stat("/proc/pressure/cpu")],
  ["stat /proc/pressure/", () => fs.stat("/proc/pressure/")],
  ["stat /tmp/../sys", () => fs.stat("/tmp/../sys/kernel")],
  ["rename into /dev/shm", () => fs.rename(`${d}/r1`, "/dev/shm/uring_perm_child_y")],
];
for (const [name, call] of calls) {
  let line: unknown;
  try {
    const r = await call();
    line = [name, "ok", typeof r === "string" ? r.replace(/[0-9a-f]{8,16}$/, "<rand>") : null];
  } catch (e) {
    const err = e as Error & { code?: string };
    line = [name, err.constructor.name, err.message, err.code];
  }
  console.log(JSON.stringify(line));
}
// What the calls into /dev/shm made (with write access there), for the next child.
for (const p of ["/dev/shm/uring_perm_child_x", "/dev/shm/uring_perm_child_y"]) {
  try {
    Deno.removeSync(p);
  } catch { /* not made, or no access */ }
}
