// The file-system ops against the real kernel: open/close, statx, sync, space, paths, xattrs.
import { assert, assertEquals, assertGreaterOrEqual, assertThrows } from "@std/assert";
import { alignedBytes } from "../../ffi/sys/_memory.ts";
import { At, FSYNC_DATASYNC, OpenFlag, Ring, type Sqe, StatxMask } from "../../ffi/mod.ts";
import { closeFd, fdCount, openFd, runOne } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

// The helpers' shared ring is made once here, so that it does not count as a leaked fd below.
closeFd(openFd("/", OpenFlag.RDONLY | OpenFlag.DIRECTORY));

/**
 * A test with a fresh ring and temp directory; fails if the process has more fds afterwards.
 */
function fsTest(name: string, fn: (ring: Ring, dir: string) => void): void {
  Deno.test(name, () => {
    const before = fdCount();
    const dir = Deno.makeTempDirSync({ prefix: "uring_fs_" });
    try {
      using ring = new Ring({ entries: 16 });
      fn(ring, dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
    assertEquals(fdCount(), before, "no fd leaked");
  });
}

/** Runs one prep and returns its `res`. */
function res(ring: Ring, prep: (s: Sqe) => void): number {
  return runOne(ring, prep).res;
}

interface Statx {
  mask: number;
  nlink: number;
  mode: number;
  size: number;
  blocks: number;
}

function parseStatx(buf: Uint8Array): Statx {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    mask: v.getUint32(0x00, true),
    nlink: v.getUint32(0x10, true),
    mode: v.getUint16(0x1c, true),
    size: Number(v.getBigUint64(0x28, true)),
    blocks: Number(v.getBigUint64(0x30, true)),
  };
}

/** statx(2) of `path` through io_uring, or of `fd` itself when `path` is "". */
function statx(ring: Ring, path: string, fd: number = At.FDCWD): Statx {
  const buf = new Uint8Array(256);
  const flags = path === "" ? At.EMPTY_PATH : 0;
  const r = res(ring, (s) => s.prepStatx(fd, path, flags, StatxMask.BASIC_STATS, buf));
  assertEquals(r, 0, `statx ${path}`);
  return parseStatx(buf);
}

const S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFMT = 0o170000;

fsTest("Sqe.prepOpenat() creates a file with O_CREAT and the given mode", (ring, dir) => {
  const path = `${dir}/new`;
  const fd = res(
    ring,
    (s) => s.prepOpenat(At.FDCWD, path, OpenFlag.CREAT | OpenFlag.WRONLY | OpenFlag.CLOEXEC, 0o640),
  );
  assertGreaterOrEqual(fd, 0, `openat returned ${fd}`);
  assertEquals(res(ring, (s) => s.prepWrite(fd, enc.encode("made"), 0)), 4);
  assertEquals(res(ring, (s) => s.prepClose(fd)), 0);
  assertEquals(Deno.readTextFileSync(path), "made");
  assertEquals(Deno.statSync(path).mode! & 0o777, 0o640);
  // O_EXCL on an existing file, and a missing file without O_CREAT.
  assertEquals(
    res(ring, (s) => s.prepOpenat(At.FDCWD, path, OpenFlag.CREAT | OpenFlag.EXCL, 0o600)),
    -17,
  );
  assertEquals(res(ring, (s) => s.prepOpenat(At.FDCWD, `${dir}/missing`, OpenFlag.RDONLY)), -2);
});

fsTest(
  "Sqe.prepOpenat() resolves relative paths against a directory fd and takes URLs",
  (ring, dir) => {
    Deno.writeTextFileSync(`${dir}/rel.txt`, "relative");
    const dfd = openFd(dir, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
    try {
      const fd = res(ring, (s) => s.prepOpenat(dfd, "rel.txt", OpenFlag.RDONLY | OpenFlag.CLOEXEC));
      assertGreaterOrEqual(fd, 0);
      const buf = new Uint8Array(8);
      assertEquals(res(ring, (s) => s.prepRead(fd, buf, 0)), 8);
      assertEquals(dec.decode(buf), "relative");
      closeFd(fd);
      const url = new URL(`file://${dir}/rel.txt`);
      const fd2 = res(ring, (s) => s.prepOpenat(At.FDCWD, url, OpenFlag.RDONLY | OpenFlag.CLOEXEC));
      assertGreaterOrEqual(fd2, 0);
      closeFd(fd2);
    } finally {
      closeFd(dfd);
    }
  },
);

fsTest("Sqe.prepOpenat2() passes struct open_how (flags, mode, resolve)", (ring, dir) => {
  const path = `${dir}/o2`;
  const fd = res(ring, (s) =>
    s.prepOpenat2(At.FDCWD, path, {
      flags: OpenFlag.CREAT | OpenFlag.RDWR | OpenFlag.CLOEXEC,
      mode: 0o604,
    }));
  assertGreaterOrEqual(fd, 0, `openat2 returned ${fd}`);
  assertEquals(res(ring, (s) => s.prepWrite(fd, enc.encode("two"), 0)), 3);
  closeFd(fd);
  assertEquals(Deno.statSync(path).mode! & 0o777, 0o604);
  // RESOLVE_NO_SYMLINKS (0x04): a symlink in the path is refused with ELOOP.
  Deno.symlinkSync(path, `${dir}/via-link`);
  assertEquals(
    res(
      ring,
      (s) => s.prepOpenat2(At.FDCWD, `${dir}/via-link`, { flags: OpenFlag.RDONLY, resolve: 0x04 }),
    ),
    -40,
  );
  // Unknown bits in open_how.flags are EINVAL for openat2 (unlike openat).
  assertEquals(
    res(ring, (s) => s.prepOpenat2(At.FDCWD, path, { flags: 1 << 30 })),
    -22,
  );
});

fsTest("Sqe.prepClose() closes an fd; a second close is -EBADF", (ring, dir) => {
  Deno.writeTextFileSync(`${dir}/c`, "x");
  const fd = openFd(`${dir}/c`);
  assertEquals(res(ring, (s) => s.prepClose(fd)), 0);
  assertEquals(res(ring, (s) => s.prepRead(fd, new Uint8Array(1), 0)), -9);
  assertEquals(res(ring, (s) => s.prepClose(fd)), -9);
});

fsTest("Sqe.prepStatx() fills struct statx (mode at 0x1c, size at 0x28)", (ring, dir) => {
  const path = `${dir}/st`;
  Deno.writeFileSync(path, new Uint8Array(1234), { mode: 0o600 });
  Deno.chmodSync(path, 0o612);
  const st = statx(ring, path);
  assert((st.mask & (StatxMask.SIZE | StatxMask.MODE)) === (StatxMask.SIZE | StatxMask.MODE));
  assertEquals(st.size, 1234);
  assertEquals(st.mode & S_IFMT, S_IFREG);
  assertEquals(st.mode & 0o7777, 0o612);
  assertEquals(st.nlink, 1);
  const d = statx(ring, dir);
  assertEquals(d.mode & S_IFMT, S_IFDIR);
  // With AT_EMPTY_PATH the fd itself is examined.
  const fd = openFd(path);
  try {
    assertEquals(statx(ring, "", fd).size, 1234);
  } finally {
    closeFd(fd);
  }
  assertEquals(
    res(ring, (s) => s.prepStatx(At.FDCWD, `${dir}/nope`, 0, StatxMask.ALL, new Uint8Array(256))),
    -2,
  );
  const sqe = ring.getSqe()!;
  assertThrows(
    () => sqe.prepStatx(At.FDCWD, path, 0, 0, new Uint8Array(100)),
    RangeError,
    "statxbuf must be at least 256 bytes",
  );
  sqe.prepNop();
  ring.submitAndWait(1);
  ring.waitCqe();
});

fsTest("Sqe.prepFsync() syncs a file, with and without FSYNC_DATASYNC", (ring, dir) => {
  const fd = openFd(`${dir}/sync`, OpenFlag.CREAT | OpenFlag.WRONLY);
  try {
    assertEquals(res(ring, (s) => s.prepWrite(fd, enc.encode("durable"), 0)), 7);
    assertEquals(res(ring, (s) => s.prepFsync(fd)), 0);
    assertEquals(res(ring, (s) => s.prepFsync(fd, FSYNC_DATASYNC)), 0);
    assertEquals(res(ring, (s) => s.prepFsync(-1)), -9);
    assertEquals(Deno.readTextFileSync(`${dir}/sync`), "durable");
  } finally {
    closeFd(fd);
  }
});

fsTest("Sqe.prepSyncFileRange() syncs a byte range", (ring, dir) => {
  const fd = openFd(`${dir}/sfr`, OpenFlag.CREAT | OpenFlag.RDWR);
  try {
    assertEquals(res(ring, (s) => s.prepWrite(fd, new Uint8Array(8192).fill(1), 0)), 8192);
    // SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER = 7
    assertEquals(res(ring, (s) => s.prepSyncFileRange(fd, 4096, 0, 7)), 0);
    assertEquals(res(ring, (s) => s.prepSyncFileRange(fd, 0, 0)), 0);
    assertEquals(res(ring, (s) => s.prepSyncFileRange(fd, 4096, 0, 0x80)), -22, "bad flags");
  } finally {
    closeFd(fd);
  }
});

fsTest("Sqe.prepFallocate() grows the file and KEEP_SIZE does not", (ring, dir) => {
  const path = `${dir}/falloc`;
  const fd = openFd(path, OpenFlag.CREAT | OpenFlag.RDWR);
  try {
    assertEquals(res(ring, (s) => s.prepFallocate(fd, 0, 0, 1 << 20)), 0);
    assertEquals(statx(ring, path).size, 1 << 20);
    assertGreaterOrEqual(statx(ring, path).blocks, (1 << 20) / 512);
    // FALLOC_FL_KEEP_SIZE (1): blocks beyond the end, size unchanged.
    assertEquals(res(ring, (s) => s.prepFallocate(fd, 1, 1 << 20, 1 << 20)), 0);
    assertEquals(Deno.statSync(path).size, 1 << 20);
    assertEquals(res(ring, (s) => s.prepFallocate(fd, 0, 0, 0)), -22, "zero length");
  } finally {
    closeFd(fd);
  }
});

fsTest("Sqe.prepFadvise() gives advice on a file range", (ring, dir) => {
  Deno.writeFileSync(`${dir}/adv`, new Uint8Array(16384));
  const fd = openFd(`${dir}/adv`);
  try {
    for (const advice of [0, 1, 2, 3, 4, 5]) { // NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED NOREUSE
      assertEquals(res(ring, (s) => s.prepFadvise(fd, 0, 16384, advice)), 0, `advice ${advice}`);
    }
    assertEquals(res(ring, (s) => s.prepFadvise(fd, 0, 0, 99)), -22);
    assertEquals(res(ring, (s) => s.prepFadvise(-1, 0, 0, 0)), -9);
  } finally {
    closeFd(fd);
  }
});

fsTest("Sqe.prepMadvise() advises a page-aligned region of an ArrayBuffer", (ring) => {
  const region = alignedBytes(4 * 4096);
  region.fill(7);
  // MADV_NORMAL (0), MADV_RANDOM (1), MADV_SEQUENTIAL (2), MADV_WILLNEED (3)
  for (const advice of [0, 1, 2, 3]) {
    assertEquals(res(ring, (s) => s.prepMadvise(region, advice)), 0, `advice ${advice}`);
  }
  assert(region.every((b) => b === 7), "the contents are intact");
  // Not page-aligned: EINVAL.
  assertEquals(res(ring, (s) => s.prepMadvise(region.subarray(1, 4097), 0)), -22);
});

fsTest("Sqe.prepFtruncate() shrinks and grows a file", (ring, dir) => {
  const path = `${dir}/trunc`;
  Deno.writeTextFileSync(path, "0123456789");
  const fd = openFd(path, OpenFlag.RDWR);
  try {
    assertEquals(res(ring, (s) => s.prepFtruncate(fd, 3)), 0);
    assertEquals(Deno.readTextFileSync(path), "012");
    assertEquals(res(ring, (s) => s.prepFtruncate(fd, 100)), 0);
    assertEquals(Deno.statSync(path).size, 100);
    assertEquals(res(ring, (s) => s.prepFtruncate(fd, 0)), 0);
    assertEquals(Deno.statSync(path).size, 0);
  } finally {
    closeFd(fd);
  }
  const ro = openFd(path, OpenFlag.RDONLY);
  try {
    assert([-9, -22].includes(res(ring, (s) => s.prepFtruncate(ro, 1))), "read-only fd");
  } finally {
    closeFd(ro);
  }
});

fsTest("Sqe.prepRenameat() and Sqe.prepRename() move files", (ring, dir) => {
  Deno.writeTextFileSync(`${dir}/a`, "A");
  assertEquals(res(ring, (s) => s.prepRename(`${dir}/a`, `${dir}/b`)), 0);
  assertThrows(() => Deno.statSync(`${dir}/a`), Deno.errors.NotFound);
  assertEquals(Deno.readTextFileSync(`${dir}/b`), "A");
  Deno.mkdirSync(`${dir}/sub`);
  const dfd = openFd(dir, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
  const sub = openFd(`${dir}/sub`, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
  try {
    assertEquals(res(ring, (s) => s.prepRenameat(dfd, "b", sub, "c")), 0);
    assertEquals(Deno.readTextFileSync(`${dir}/sub/c`), "A");
    // RENAME_NOREPLACE (1) onto an existing name: EEXIST.
    Deno.writeTextFileSync(`${dir}/d`, "D");
    assertEquals(res(ring, (s) => s.prepRenameat(sub, "c", dfd, "d", 1)), -17);
    assertEquals(res(ring, (s) => s.prepRenameat(dfd, "missing", dfd, "e")), -2);
  } finally {
    closeFd(sub);
    closeFd(dfd);
  }
});

fsTest(
  "Sqe.prepUnlinkat() and Sqe.prepUnlink() remove files and, with REMOVEDIR, dirs",
  (ring, dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "f");
    Deno.writeTextFileSync(`${dir}/g`, "g");
    Deno.mkdirSync(`${dir}/d`);
    assertEquals(res(ring, (s) => s.prepUnlink(`${dir}/f`)), 0);
    assertThrows(() => Deno.statSync(`${dir}/f`), Deno.errors.NotFound);
    assertEquals(res(ring, (s) => s.prepUnlink(`${dir}/f`)), -2);
    assertEquals(res(ring, (s) => s.prepUnlink(`${dir}/d`)), -21, "a dir without REMOVEDIR");
    assertEquals(res(ring, (s) => s.prepUnlink(`${dir}/d`, At.REMOVEDIR)), 0);
    assertThrows(() => Deno.statSync(`${dir}/d`), Deno.errors.NotFound);
    const dfd = openFd(dir, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
    try {
      assertEquals(res(ring, (s) => s.prepUnlinkat(dfd, "g")), 0);
      assertThrows(() => Deno.statSync(`${dir}/g`), Deno.errors.NotFound);
      assertEquals(res(ring, (s) => s.prepUnlinkat(dfd, "g", At.REMOVEDIR)), -2);
    } finally {
      closeFd(dfd);
    }
  },
);

fsTest("Sqe.prepMkdirat() and Sqe.prepMkdir() create directories with a mode", (ring, dir) => {
  assertEquals(res(ring, (s) => s.prepMkdir(`${dir}/m1`, 0o750)), 0);
  const st = Deno.statSync(`${dir}/m1`);
  assert(st.isDirectory);
  assertEquals(st.mode! & 0o777, 0o750);
  assertEquals(res(ring, (s) => s.prepMkdir(`${dir}/m1`, 0o750)), -17);
  const dfd = openFd(`${dir}/m1`, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
  try {
    assertEquals(res(ring, (s) => s.prepMkdirat(dfd, "inner", 0o700)), 0);
    assert(Deno.statSync(`${dir}/m1/inner`).isDirectory);
  } finally {
    closeFd(dfd);
  }
  assertEquals(res(ring, (s) => s.prepMkdir(`${dir}/no/such/parent`, 0o700)), -2);
});

fsTest("Sqe.prepSymlinkat() and Sqe.prepSymlink() create symbolic links", (ring, dir) => {
  Deno.writeTextFileSync(`${dir}/target`, "T");
  assertEquals(res(ring, (s) => s.prepSymlink("target", `${dir}/l1`)), 0);
  assertEquals(Deno.readLinkSync(`${dir}/l1`), "target");
  assertEquals(Deno.readTextFileSync(`${dir}/l1`), "T");
  const dfd = openFd(dir, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
  try {
    assertEquals(res(ring, (s) => s.prepSymlinkat("/nowhere/at/all", dfd, "l2")), 0);
    assertEquals(Deno.readLinkSync(`${dir}/l2`), "/nowhere/at/all");
    assertEquals(res(ring, (s) => s.prepSymlinkat("x", dfd, "l2")), -17);
  } finally {
    closeFd(dfd);
  }
});

fsTest("Sqe.prepLinkat() and Sqe.prepLink() create hard links", (ring, dir) => {
  Deno.writeTextFileSync(`${dir}/orig`, "O");
  assertEquals(res(ring, (s) => s.prepLink(`${dir}/orig`, `${dir}/hard1`)), 0);
  assertEquals(statx(ring, `${dir}/orig`).nlink, 2);
  assertEquals(Deno.statSync(`${dir}/hard1`).ino, Deno.statSync(`${dir}/orig`).ino);
  const dfd = openFd(dir, OpenFlag.RDONLY | OpenFlag.DIRECTORY);
  try {
    assertEquals(res(ring, (s) => s.prepLinkat(dfd, "orig", dfd, "hard2")), 0);
    assertEquals(statx(ring, `${dir}/orig`).nlink, 3);
    // AT_SYMLINK_FOLLOW: linking through a symlink links its target.
    Deno.symlinkSync("orig", `${dir}/sym`);
    assertEquals(res(ring, (s) => s.prepLinkat(dfd, "sym", dfd, "hard3", At.SYMLINK_FOLLOW)), 0);
    assertEquals(Deno.lstatSync(`${dir}/hard3`).isFile, true);
    assertEquals(statx(ring, `${dir}/orig`).nlink, 4);
    assertEquals(res(ring, (s) => s.prepLinkat(dfd, "orig", dfd, "hard2")), -17);
  } finally {
    closeFd(dfd);
  }
});

/** A directory whose file system takes `user.*` xattrs: the temp dir, else /dev/shm. */
function findXattrDir(): string | undefined {
  using ring = new Ring({ entries: 2 });
  const tmp = Deno.makeTempDirSync({ prefix: "uring_xattr_" });
  try {
    for (const dir of [tmp, "/dev/shm"]) {
      const probe = `${dir}/uring_xattr_probe_${Deno.pid}`;
      try {
        Deno.writeTextFileSync(probe, "");
      } catch {
        continue; // no /dev/shm here
      }
      try {
        const r = res(ring, (s) => s.prepSetxattr("user.probe", enc.encode("1"), probe));
        if (r === 0) return dir === tmp ? Deno.makeTempDirSync({ prefix: "uring_xattr_" }) : dir;
        if (r !== -95) throw new Error(`setxattr probe in ${dir}: ${r}`);
      } finally {
        Deno.removeSync(probe);
      }
    }
    return undefined;
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}
const xattrDir = findXattrDir();

Deno.test({
  name: "Sqe.prepFsetxattr()/prepFgetxattr()/prepSetxattr()/prepGetxattr() round-trip user.test" +
    (xattrDir === undefined ? " (ignored: no user.* xattrs in the temp dir or /dev/shm)" : ""),
  ignore: xattrDir === undefined,
  fn() {
    const before = fdCount();
    const dir = xattrDir!;
    const path = `${dir}/uring_xattr_${Deno.pid}`;
    Deno.writeTextFileSync(path, "");
    const ring = new Ring({ entries: 16 });
    const fd = openFd(path, OpenFlag.RDWR);
    try {
      // By fd.
      assertEquals(res(ring, (s) => s.prepFsetxattr(fd, "user.test", enc.encode("by-fd"))), 0);
      const out = new Uint8Array(64);
      assertEquals(res(ring, (s) => s.prepFgetxattr(fd, "user.test", out)), 5);
      assertEquals(dec.decode(out.subarray(0, 5)), "by-fd");
      // By path; the value set by path is seen by fd and vice versa.
      assertEquals(res(ring, (s) => s.prepSetxattr("user.test", enc.encode("by-path!"), path)), 0);
      out.fill(0);
      assertEquals(res(ring, (s) => s.prepGetxattr("user.test", out, path)), 8);
      assertEquals(dec.decode(out.subarray(0, 8)), "by-path!");
      assertEquals(res(ring, (s) => s.prepFgetxattr(fd, "user.test", out)), 8);
      // A buffer too small is ERANGE; a missing attribute ENODATA.
      assertEquals(res(ring, (s) => s.prepGetxattr("user.test", new Uint8Array(2), path)), -34);
      assertEquals(res(ring, (s) => s.prepFgetxattr(fd, "user.absent", out)), -61);
      // XATTR_CREATE (1) on an existing name: EEXIST; XATTR_REPLACE (2) on a missing one: ENODATA.
      assertEquals(res(ring, (s) => s.prepFsetxattr(fd, "user.test", enc.encode("x"), 1)), -17);
      assertEquals(res(ring, (s) => s.prepSetxattr("user.other", enc.encode("x"), path, 2)), -61);
    } finally {
      closeFd(fd);
      ring.close();
      Deno.removeSync(path);
      if (dir !== "/dev/shm") Deno.removeSync(dir, { recursive: true });
    }
    assertEquals(fdCount(), before, "no fd leaked");
  },
});

Deno.test("Sqe path preps reject paths with NUL bytes with a TypeError", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  assertThrows(
    () => sqe.prepOpenat(At.FDCWD, "a\0b", 0),
    TypeError,
    "path must not contain NUL bytes",
  );
  assertThrows(() => sqe.prepMkdir("a\0", 0o700), TypeError, "path must not contain NUL bytes");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => sqe.prepUnlink(42 as any), TypeError, "path must be a string");
  assertThrows(
    () => sqe.prepRename(new URL("http://example.com/x"), "y"),
    TypeError,
    "path must be a file: URL",
  );
});
