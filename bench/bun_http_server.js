// The Bun counterpart of examples/serve_hello.ts for `deno task bench:servers`: Bun.serve
// answering "Hello, World!" on a port the kernel picks.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response("Hello, World!"),
});
console.log(`listening on 127.0.0.1:${server.port}`);
