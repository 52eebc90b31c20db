// A static file server for `deno task bench:servedir`: `--impl std` is `Deno.serve` with
// @std/http's `serveDir`, `--impl ours` `Deno.serve` with this module's `serveDir`, and
// `--impl serve` this module's `serve()` with its `serveDir` (when mod.ts exports `serve`).
// Run: deno run -A bench/serve_dir_server.ts --impl ours --root DIR --port P
import { parseArgs } from "node:util";
import { serveDir as stdServeDir } from "@std/http/file-server";
import * as mod from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    impl: { type: "string", default: "ours" },
    root: { type: "string", default: "." },
    port: { type: "string", default: "8000" },
    hostname: { type: "string", default: "127.0.0.1" },
  },
});
const opts = { fsRoot: values.root, quiet: true };
const onListen = ({ hostname, port }: { hostname: string; port: number }) =>
  console.log(`listening on ${hostname}:${port}`);
const listen = { hostname: values.hostname, port: Number(values.port), onListen };

type Handler = (req: Request) => Response | Promise<Response>;
type ServeLike = (
  options: typeof listen,
  handler: Handler,
) => { shutdown(): Promise<void> };

let server: { shutdown(): Promise<void> };
if (values.impl === "std") {
  server = Deno.serve(listen, (req) => stdServeDir(req, opts));
} else if (values.impl === "ours") {
  server = Deno.serve(listen, (req) => mod.serveDir(req, opts));
} else if (values.impl === "serve") {
  const serve = (mod as unknown as { serve?: ServeLike }).serve;
  if (serve === undefined) throw new Error("mod.ts exports no serve() yet");
  server = serve(listen, (req) => mod.serveDir(req, opts));
} else throw new Error(`--impl must be std, ours or serve, got ${values.impl}`);

const stop = async () => {
  await server.shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
