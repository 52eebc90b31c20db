// The file functions under scoped --allow-read/--allow-write, in child processes: every call
// fails or succeeds as Deno's own does, with the same NotCapable message.
import { assertEquals } from "@std/assert";

const child = new URL("./_permission_child.ts", import.meta.url).pathname;

function sandbox(): string {
  const d = Deno.makeTempDirSync({ prefix: "uring_perm_" });
  Deno.writeTextFileSync(`${d}/f`, "hello");
  Deno.writeTextFileSync(`${d}/r1`, "r");
  Deno.writeTextFileSync(`${d}/t`, "t");
  Deno.writeTextFileSync(`${d}/gone`, "g");
  Deno.mkdirSync(`${d}/tree/sub`, { recursive: true });
  Deno.writeTextFileSync(`${d}/tree/sub/x`, "x");
  return d;
}

async function run(which: "ours" | "deno", flags: (d: string) => string[]): Promise<string[]> {
  const d = sandbox();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-lock", "--allow-ffi", ...flags(d), child, which, d],
      cwd: Deno.cwd(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return text.trim().split("\n").map((l) => l.replaceAll(d, "$D"));
  } finally {
    Deno.removeSync(d, { recursive: true });
  }
}

const scopes: [string, (d: string) => string[]][] = [
  ["no --allow-read or --allow-write", () => []],
  ["--allow-read only", () => ["--allow-read"]],
  ["--allow-write only", () => ["--allow-write"]],
  ["--allow-read and --allow-write scoped to the sandbox", (d) => [
    `--allow-read=${d}`,
    `--allow-write=${d}`,
  ]],
  ["--allow-read and --allow-write everywhere", () => ["--allow-read", "--allow-write"]],
  [
    "every permission",
    () => [
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      "--allow-run",
      "--allow-import",
    ],
  ],
  ["write denied in part of the sandbox", (d) => [
    "--allow-read",
    "--allow-write",
    `--deny-write=${d}/tree/sub`,
  ]],
];

for (const [what, flags] of scopes) {
  Deno.test(`every file function checks what Deno's checks, with ${what}`, async () => {
    const [ours, deno] = [await run("ours", flags), await run("deno", flags)];
    assertEquals(ours.length, 42);
    assertEquals(ours, deno);
  });
}
