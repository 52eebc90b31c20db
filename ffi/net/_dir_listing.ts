/**
 * The directory listing page of `serveDir({ showDirListing: true })`: the page `@std/http`'s
 * `serveDir` makes (its template, from `file_server.ts` of `@std/http` 1.1.2, MIT, the Deno
 * authors), byte for byte, so that a listing looks and links the same from either.
 *
 * @internal
 * @module
 */
import { type AsyncRing, stat } from "../async/mod.ts";
import { checkPath } from "../sys/mod.ts";
import { join, normalize } from "./_path.ts";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** `@std/html`'s `escape()`. */
function escape(str: string): string {
  return str.replaceAll(/[&<>"']/g, (m) => ENTITIES[m]);
}

/** `@std/fmt/bytes`' `format()` with its default options: 3 significant digits, SI units. */
function formatBytes(num: number): string {
  if (num < 1) return `${num} B`;
  const units = "BkMGTPEZY";
  const exponent = Math.min(Math.floor(Math.log10(num) / 3), units.length - 1);
  const n = Number((num / Math.pow(1000, exponent)).toPrecision(3));
  return `${n} ${units[exponent]}${exponent > 0 ? "B" : ""}`;
}

interface EntryInfo {
  mode: string;
  size: string;
  url: string;
  name: string;
}

function modeToString(isDir: boolean, maybeMode: number | null): string {
  const modeMap = ["---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"];
  if (maybeMode === null) return "(unknown mode)";
  const mode = maybeMode.toString(8).padStart(3, "0");
  let output = "";
  mode.split("").reverse().slice(0, 3).forEach((v) => {
    output = `${modeMap[+v]} ${output}`;
  });
  return `${isDir ? "d" : "-"} ${output}`;
}

/** `stat` with the read check `Deno.stat` makes. */
function checkedStat(io: AsyncRing, path: string): Promise<Deno.FileInfo> {
  try {
    checkPath("read", path);
  } catch (e) {
    return Promise.reject(e);
  }
  return stat(io, path);
}

/**
 * The listing of `dirPath` (the file-system path of `urlPath`, which has no `..` segment) as
 * `@std/http` answers it. The
 * entries are read with `Deno.readDir` (io_uring has no `getdents` op) and each is stat'ed
 * through `io`.
 */
export async function dirListing(
  io: AsyncRing,
  req: Request,
  dirPath: string,
  options: { showDotfiles: boolean; urlPath: string; quiet: boolean | undefined },
  logError: (error: Error) => void,
): Promise<Response> {
  const { showDotfiles } = options;
  // `/${relative(target, dirPath)}` in @std/http: dirPath is join(target, urlPath), and urlPath
  // has no `..` segment, so that is urlPath normalized (no cwd needed).
  const dirUrl = options.urlPath === "" ? "/" : normalize(options.urlPath);
  const listEntryPromise: Promise<EntryInfo>[] = [];

  if (dirUrl !== "/") {
    const prevPath = join(dirPath, "..");
    listEntryPromise.push(
      checkedStat(io, prevPath).then((fileInfo): EntryInfo => ({
        mode: modeToString(true, fileInfo.mode),
        size: "",
        name: "../",
        url: "..",
      })),
    );
  }

  for await (const entry of Deno.readDir(dirPath)) {
    if (!showDotfiles && entry.name[0] === ".") continue;
    const filePath = join(dirPath, entry.name);
    const fileUrl = encodeURIComponent(entry.name).replaceAll("%2F", "/");
    const name = `${entry.name}${entry.isDirectory ? "/" : ""}`;
    const url = `./${fileUrl}${entry.isDirectory ? "/" : ""}`;
    listEntryPromise.push((async () => {
      try {
        const fileInfo = await checkedStat(io, filePath);
        return {
          mode: modeToString(entry.isDirectory, fileInfo.mode),
          size: entry.isFile ? formatBytes(fileInfo.size ?? 0) : "",
          name,
          url,
        };
      } catch (error) {
        if (!options.quiet) logError(error as Error);
        return { mode: "(unknown mode)", size: "", name, url };
      }
    })());
  }

  const listEntry = await Promise.all(listEntryPromise);
  listEntry.sort((a, b) => a.name.toLowerCase() > b.name.toLowerCase() ? 1 : -1);
  const formattedDirUrl = `${dirUrl.replace(/\/$/, "")}/`;
  const page = dirViewerTemplate(formattedDirUrl, listEntry);

  const headers = new Headers({ server: "deno", "accept-ranges": "bytes" });
  headers.set("content-type", "text/html; charset=UTF-8");
  if (req.method === "HEAD") {
    headers.set("content-length", String(new TextEncoder().encode(page).byteLength));
  }
  return new Response(req.method === "HEAD" ? null : page, {
    status: 200,
    statusText: "OK",
    headers,
  });
}

// The page as @std/http writes it (there with the `html` tag of @std/html, which only joins).
function dirViewerTemplate(dirname: string, entries: EntryInfo[]): string {
  const splitDirname = dirname.split("/").filter((path) => Boolean(path));
  const headerPaths = ["home", ...splitDirname];

  return `
    <!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="UTF-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1.0" />
        <meta http-equiv="X-UA-Compatible" content="ie=edge" />
        <title>Deno File Server</title>
        <style>
        :root {
          --background-color: #fafafa;
          --color: rgba(0, 0, 0, 0.87);
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --background-color: #292929;
            --color: #fff;
          }
          thead {
            color: #7f7f7f;
          }
        }
        @media (min-width: 960px) {
          main {
            max-width: 960px;
          }
          body {
            padding-left: 32px;
            padding-right: 32px;
          }
        }
        @media (min-width: 600px) {
          main {
            padding-left: 24px;
            padding-right: 24px;
          }
        }
        body {
          background: var(--background-color);
          color: var(--color);
          font-family: "Roboto", "Helvetica", "Arial", sans-serif;
          font-weight: 400;
          line-height: 1.43;
          font-size: 0.875rem;
        }
        a {
          color: #2196f3;
          text-decoration: none;
        }
        a:hover {
          text-decoration: underline;
        }
        thead {
          text-align: left;
        }
        thead th {
          padding-bottom: 12px;
        }
        table td {
          padding: 6px 36px 6px 0px;
        }
        .size {
          text-align: right;
          padding: 6px 12px 6px 24px;
        }
        .mode {
          font-family: monospace, monospace;
        }
        </style>
      </head>
      <body>
        <main>
          <h1>
            Index of ${
    headerPaths
      .map((path, index) => {
        if (path === "") return "";
        const depth = headerPaths.length - index - 1;
        let link;
        if (depth == 0) {
          link = ".";
        } else {
          link = "../".repeat(depth);
        }
        // deno-fmt-ignore
        return `<a href="${link}">${escape(path)}</a>`;
      })
      .join("/")
  }/
          </h1>
          <table>
            <thead>
              <tr>
                <th>Mode</th>
                <th>Size</th>
                <th>Name</th>
              </tr>
            </thead>
            ${
    entries
      .map(
        (entry) => `
                    <tr>
                      <td class="mode">
                        ${entry.mode}
                      </td>
                      <td class="size">
                        ${entry.size}
                      </td>
                      <td>
                        <a href="${escape(entry.url)}">${escape(entry.name)}</a>
                      </td>
                    </tr>
                  `,
      )
      .join("")
  }
          </table>
        </main>
      </body>
    </html>
  `;
}
