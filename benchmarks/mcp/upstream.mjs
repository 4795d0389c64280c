// An upstream MCP server for the latency harness: the TypeScript SDK's Streamable HTTP transport on
// node's http module, sessions kept, JSON responses; one read-only tool, echo.
// Usage: node upstream.mjs <port>
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const port = Number(process.argv[2]);
const transports = new Map();

function server() {
  const s = new McpServer({ name: "bench", version: "1.0.0" });
  s.registerTool("echo", { description: "Echo the text", inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
    async ({ text }) => ({ content: [{ type: "text", text }] }));
  return s;
}

http.createServer(async (req, res) => {
  let body;
  if (req.method === "POST") {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }
  const sid = req.headers["mcp-session-id"];
  let transport = sid ? transports.get(sid) : undefined;
  if (!transport) {
    if (req.method !== "POST" || !isInitializeRequest(body)) {
      res.writeHead(400, { "Content-Type": "application/json" }).end('{"error":"no session"}');
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    await server().connect(transport);
  }
  await transport.handleRequest(req, res, body);
}).listen(port, "127.0.0.1", () => process.stdout.write(`listening ${port}\n`));
