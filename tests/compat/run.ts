/**
 * Runs Deno's own unit tests for the file-system and network functions (denoland/deno
 * `tests/unit/`, fetched outside this repository) against the module, through `preload.ts`, and
 * prints a markdown table of passed/failed/ignored tests per file with the names of the failures.
 *
 * ```sh
 * deno task test:compat                       # swapped: the module's functions where it has them
 * deno task test:compat --baseline            # Deno's own functions, same tests, same flags
 * deno task test:compat --files=mkdir,remove --out=/tmp/compat.md --json=/tmp/compat.json
 * deno task test:compat --against=/tmp/baseline.json   # mark failures the baseline does not have
 * deno task test:compat --extract=/path/to/deno/.git --ref=v2.9.5   # fill DENO_SRC first
 * ```
 *
 * `DENO_SRC` (default `/work/deno-src`) is a directory laid out like the deno repository, holding
 * at least `tests/unit/` and `tests/testdata/`. The first run writes `deno.compat.json` there (an
 * import map sending `@std/*` to the vendored std, `STD_VENDOR`, linked as `vendor/`), so the tests
 * run offline. Flags are the ones deno's CI gives `tests/unit` (`tests/unit/mod.rs`): `-A`,
 * `--unstable-net`, `--unstable-vsock`, `--location=http://127.0.0.1:4545/`, `--no-prompt`, `--no-lock`, run from the
 * source root, one `deno test` per file.
 *
 * Other flags: `--skip=REGEX` leaves out the tests whose names match, `--with-sync` keeps the
 * `*Sync` tests, `--preview-ring` binds today's ring-first
 * functions to a ring, `--drop-permissions` runs every test with `-A` (both: see `preload.ts`),
 * `--timeout=SECONDS` per file (default 300),
 * `--no-check` skips type-checking the test files, `--setup` only writes the config.
 *
 * @module
 */
/** The unit test files, in `tests/unit/`, that cover the functions the module replaces. */
export const TEST_FILES = [
  "files",
  "mkdir",
  "remove",
  "rename",
  "link",
  "symlink",
  "truncate",
  "copy_file",
  "read_dir",
  "real_path",
  "read_link",
  "chmod",
  "chown",
  "utime",
  "make_temp",
  "read_file",
  "write_file",
  "read_text_file",
  "write_text_file",
  "stat",
  "net",
  "serve",
] as const;

/** One test's outcome. */
export interface TestOutcome {
  name: string;
  status: "passed" | "failed" | "ignored";
  /** First line of the failure message. */
  message?: string;
}

/** One file's outcome. */
export interface FileOutcome {
  file: string;
  tests: TestOutcome[];
  /** Set when the file did not run to completion (load error, crash, timeout). */
  error?: string;
  seconds: number;
  /** The preload's `compat:` line: what it swapped. */
  swapLine?: string;
}

const XML_ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
  "&quot;": '"',
  "&apos;": "'",
  "&#39;": "'",
};

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#39);/g, (m) => XML_ENTITIES[m]);
}

/** The test cases of a JUnit report as `deno test --junit-path` writes it. */
export function parseJunit(xml: string): TestOutcome[] {
  const out: TestOutcome[] = [];
  const testcase = /<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(testcase)) {
    const name = unescapeXml(m[1]);
    const body = m[3] ?? "";
    const failure = /<(failure|error)(?: message="([^"]*)")?/.exec(body);
    if (failure) {
      const message = unescapeXml(failure[2] ?? "").split("\n")[0].trim();
      out.push({ name, status: "failed", message });
    } else if (/<skipped\s*\/?>/.test(body)) {
      out.push({ name, status: "ignored" });
    } else {
      out.push({ name, status: "passed" });
    }
  }
  return out;
}

/** Test outcomes from the pretty reporter's `name ... ok` lines, for a run cut short. */
export function parsePretty(stdout: string): TestOutcome[] {
  const out: TestOutcome[] = [];
  for (const m of stdout.matchAll(/^(\S.*?) \.\.\. (ok|FAILED|ignored)\b/gm)) {
    const status = m[2] === "ok" ? "passed" : m[2] === "FAILED" ? "failed" : "ignored";
    out.push({ name: m[1], status });
  }
  return out;
}

/**
 * Writes `deno.compat.json` and the `vendor` link into `src` so the tests resolve `@std/*`, and
 * the empty `cli/` directory some tests look for.
 */
export async function setup(src: string, stdVendor: string): Promise<void> {
  const versions: Record<string, string> = JSON.parse(
    await Deno.readTextFile(`${stdVendor}/../versions.json`).catch(() => "{}"),
  );
  const imports: Record<string, string> = {};
  for await (const e of Deno.readDir(`${stdVendor}/jsr.io/@std`)) {
    const name = `@std/${e.name}`;
    const version = versions[name] ?? JSON.parse(
      await Deno.readTextFile(`${stdVendor}/jsr.io/@std/${e.name}/meta.json`),
    ).latest;
    imports[name] = `jsr:${name}@^${version}`;
  }
  const config = {
    lock: false,
    vendor: true,
    nodeModulesDir: "none",
    imports: Object.fromEntries(Object.entries(imports).sort()),
  };
  await Deno.writeTextFile(`${src}/deno.compat.json`, JSON.stringify(config, null, 2) + "\n");
  // The stat and read_file tests expect the deno repository's `cli/` directory to exist.
  await Deno.mkdir(`${src}/cli`, { recursive: true });
  const link = `${src}/vendor`;
  const current = await Deno.readLink(link).catch(() => null);
  if (current !== stdVendor) {
    await Deno.remove(link).catch(() => {});
    await Deno.symlink(stdVendor, link);
  }
}

/**
 * Fills `src` from a deno git directory: `README.md` (the stat and files tests read it),
 * `tests/unit`, `tests/testdata`, `tests/config`.
 */
export async function extract(gitDir: string, ref: string, src: string): Promise<void> {
  await Deno.mkdir(src, { recursive: true });
  const archive = new Deno.Command("git", {
    args: [
      `--git-dir=${gitDir}`,
      "archive",
      ref,
      "README.md",
      "tests/unit",
      "tests/testdata",
      "tests/config",
    ],
    stdout: "piped",
  }).spawn();
  const tar = new Deno.Command("tar", { args: ["-x", "-C", src], stdin: "piped" }).spawn();
  await archive.stdout.pipeTo(tar.stdin);
  const [a, t] = await Promise.all([archive.status, tar.status]);
  if (!a.success || !t.success) throw new Error(`git archive ${ref} from ${gitDir} failed`);
  const commit = await new Deno.Command("git", {
    args: [`--git-dir=${gitDir}`, "rev-parse", `${ref}^{commit}`],
  }).output();
  await Deno.writeTextFile(
    `${src}/DENO_COMMIT`,
    `${new TextDecoder().decode(commit.stdout).trim()}\n${ref}\n`,
  );
}

interface RunOptions {
  src: string;
  preload: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  check: boolean;
}

/** Runs one unit test file in its own `deno test`, with the preload. */
export async function runFile(file: string, o: RunOptions): Promise<FileOutcome> {
  const junit = await Deno.makeTempFile({ prefix: "compat_", suffix: ".xml" });
  const args = [
    "test",
    "--config",
    `${o.src}/deno.compat.json`,
    "--no-lock",
    "--unstable-net",
    "--unstable-vsock",
    "--location=http://127.0.0.1:4545/",
    "--no-prompt",
    "-A",
    `--preload=${o.preload}`,
    `--junit-path=${junit}`,
    ...(o.check ? [] : ["--no-check"]),
    `tests/unit/${file}_test.ts`,
  ];
  const started = performance.now();
  let timedOut = false;
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: o.src,
    env: { ...o.env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, o.timeoutSeconds * 1000);
  const result = await child.output();
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const stdout = new TextDecoder().decode(result.stdout);
  const stderr = new TextDecoder().decode(result.stderr);
  const xml = await Deno.readTextFile(junit).catch(() => "");
  await Deno.remove(junit).catch(() => {});
  let tests = parseJunit(xml);
  let error: string | undefined;
  if (timedOut) error = `timed out after ${o.timeoutSeconds} s`;
  if (!xml.includes("<testcase")) {
    tests = parsePretty(stdout);
    if (!error) {
      const lines = (stderr + "\n" + stdout).split("\n").filter((l) => /error/i.test(l));
      error = result.success ? undefined : (lines[0] ?? `exit code ${result.code}`).trim();
    }
  }
  const swapLine = (stdout + "\n" + stderr).split("\n").find((l) => l.startsWith("compat: "));
  return { file, tests, error, seconds, swapLine };
}

function count(f: FileOutcome, status: TestOutcome["status"]): number {
  return f.tests.filter((t) => t.status === status).length;
}

/** The markdown report: one row per file, then each failure's first message line. */
export function toMarkdown(
  results: FileOutcome[],
  heading: string,
  baseline?: Map<string, Set<string>>,
): string {
  const lines = [heading, ""];
  lines.push("| file | passed | failed | ignored | failing tests |");
  lines.push("| --- | ---: | ---: | ---: | --- |");
  let [p, f, i] = [0, 0, 0];
  for (const r of results) {
    const failed = r.tests.filter((t) => t.status === "failed").map((t) => {
      const isNew = baseline && !baseline.get(r.file)?.has(t.name);
      return isNew ? `**${t.name}**` : t.name;
    });
    const cells = [...failed];
    if (r.error) cells.unshift(`(${r.error.replaceAll("|", "\\|")})`);
    p += count(r, "passed");
    f += count(r, "failed");
    i += count(r, "ignored");
    lines.push(
      `| ${r.file}_test | ${count(r, "passed")} | ${count(r, "failed")} | ${
        count(r, "ignored")
      } | ${cells.join(", ")} |`,
    );
  }
  lines.push(`| **total** | **${p}** | **${f}** | **${i}** | |`);
  if (baseline) lines.push("", "Failures in **bold** pass (or are absent) in the baseline.");
  const failures = results.flatMap((r) =>
    r.tests.filter((t) => t.status === "failed").map((t) => ({ file: r.file, ...t }))
  );
  if (failures.length) {
    lines.push("", "<details><summary>failure messages</summary>", "");
    for (const t of failures) {
      const msg = (t.message ?? "").slice(0, 200).replaceAll("|", "\\|");
      lines.push(`- ${t.file}_test \`${t.name}\`: ${msg}`);
    }
    lines.push("", "</details>");
  }
  return lines.join("\n") + "\n";
}

const FLAGS = [
  "baseline",
  "with-sync",
  "preview-ring",
  "drop-permissions",
  "setup",
  "no-check",
  "help",
] as const;
const OPTIONS = [
  "files",
  "out",
  "json",
  "against",
  "timeout",
  "src",
  "extract",
  "ref",
  "skip",
] as const;
type Args =
  & { [k in (typeof FLAGS)[number]]?: boolean }
  & { [k in (typeof OPTIONS)[number]]?: string };

/** `--flag` and `--option=value` arguments; anything else is an error. */
export function parseFlags(argv: string[]): Args {
  const out: Record<string, string | boolean> = {};
  const flags: readonly string[] = FLAGS;
  const options: readonly string[] = OPTIONS;
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m && m[2] === undefined && flags.includes(m[1])) out[m[1]] = true;
    else if (m && m[2] !== undefined && options.includes(m[1])) out[m[1]] = m[2];
    else throw new TypeError(`unknown argument ${arg}: flags ${FLAGS}, options ${OPTIONS}`);
  }
  return out as Args;
}

async function main(): Promise<number> {
  const args = parseFlags(Deno.args);
  if (args.help) {
    console.log("see the module doc at the top of tests/compat/run.ts");
    return 0;
  }
  const repo = new URL("../../", import.meta.url).pathname;
  const src = (args.src ?? Deno.env.get("DENO_SRC") ?? "/work/deno-src").replace(/\/$/, "");
  const stdVendor = Deno.env.get("STD_VENDOR") ??
    await Deno.realPath(`${repo}vendor`).catch(() => "/work/shared/std/vendor");

  if (args.extract) await extract(args.extract, args.ref ?? "HEAD", src);
  if (!(await Deno.stat(`${src}/tests/unit`).catch(() => null))) {
    console.error(
      `${src}/tests/unit not found: set DENO_SRC, or fill it with --extract=<deno .git> ` +
        `--ref=<tag> (see tests/compat/README.md)`,
    );
    return 2;
  }
  if (args.setup || !(await Deno.stat(`${src}/deno.compat.json`).catch(() => null))) {
    await setup(src, stdVendor);
  }
  if (args.setup) return 0;

  const wanted = args.files ? args.files.split(",").map((s) => s.replace(/_test(\.ts)?$/, "")) : [
    ...TEST_FILES,
  ];
  const files: string[] = [];
  for (const f of wanted) {
    if (await Deno.stat(`${src}/tests/unit/${f}_test.ts`).catch(() => null)) files.push(f);
    else console.error(`skipping ${f}_test.ts: not in ${src}/tests/unit`);
  }

  const env: Record<string, string> = {
    COMPAT_SWAP: args.baseline ? "0" : "1",
    COMPAT_SKIP_SYNC: args["with-sync"] ? "0" : "1",
  };
  if (args["preview-ring"]) env.COMPAT_PREVIEW_RING = "1";
  if (args["drop-permissions"]) env.COMPAT_DROP_PERMISSIONS = "1";
  if (args.skip) env.COMPAT_SKIP = args.skip;
  const passThrough = Deno.env.get("COMPAT_MODULES");
  if (passThrough) env.COMPAT_MODULES = passThrough;

  const opts: RunOptions = {
    src,
    preload: new URL("./preload.ts", import.meta.url).pathname,
    env,
    timeoutSeconds: Number(args.timeout ?? 300),
    check: !args["no-check"],
  };
  const results: FileOutcome[] = [];
  for (const f of files) {
    const r = await runFile(f, opts);
    console.error(
      `${f}_test: ${count(r, "passed")} passed, ${count(r, "failed")} failed, ${
        count(r, "ignored")
      } ignored (${r.seconds.toFixed(1)} s)${r.error ? ` [${r.error}]` : ""}`,
    );
    results.push(r);
  }

  let baseline: Map<string, Set<string>> | undefined;
  if (args.against) {
    const prior: FileOutcome[] = JSON.parse(await Deno.readTextFile(args.against)).results;
    baseline = new Map(
      prior.map((r) => [
        r.file,
        new Set(r.tests.filter((t) => t.status === "failed").map((t) => t.name)),
      ]),
    );
  }
  const swapLine = results.find((r) => r.swapLine)?.swapLine;
  const commit = await Deno.readTextFile(`${src}/DENO_COMMIT`).catch(() => "unknown\n");
  const mode = args.baseline ? "baseline (Deno's own functions)" : "swapped";
  const heading = [
    `### Deno unit tests, ${mode}${args["preview-ring"] ? ", ring-first preview" : ""}${
      args["drop-permissions"] ? ", tests' permissions dropped" : ""
    }${args["with-sync"] ? ", with *Sync tests" : ", *Sync tests left out"}`,
    "",
    `deno ${Deno.version.deno}, tests from denoland/deno ${
      commit.trim().split("\n").reverse()
        .join(" ")
    }, uid ${Deno.uid()}.`,
    ...(swapLine ? ["", `\`${swapLine}\``] : []),
  ].join("\n");
  const md = toMarkdown(results, heading, baseline);
  console.log(md);
  if (args.out) await Deno.writeTextFile(args.out, md);
  if (args.json) {
    await Deno.writeTextFile(
      args.json,
      JSON.stringify({ mode, swap: swapLine, results }, null, 2) + "\n",
    );
  }
  return results.some((r) => r.error || count(r, "failed") > 0) ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
