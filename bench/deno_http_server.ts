// The Deno built-in counterpart of examples/http_server.ts for `deno task bench:servers`:
// `Deno.serve` answering "Hello, World!".
// Run: deno run --allow-net bench/deno_http_server.ts --port P
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "8000" },
    hostname: { type: "string", default: "127.0.0.1" },
  },
});
const server = Deno.serve({
  hostname: values.hostname,
  port: Number(values.port),
  onListen: ({ hostname, port }) => console.log(`listening on ${hostname}:${port}`),
}, () => new Response("Hello, World!"));

const stop = async () => {
  await server.shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
