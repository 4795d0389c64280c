// The TypeScript MCP SDK client through the Countersign MCP gateway.
// Usage: node client.mjs <gateway url> <bearer token> <table>
// Prints one JSON line per step: {"step", "protocolVersion" | "tools" | "result", "progress"}.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, table] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "countersign-ts-test", version: "1.0.0" });
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

await client.connect(transport);
print({ step: "initialize", protocolVersion: transport.protocolVersion, server: client.getServerVersion() });
const listed = await client.listTools();
print({ step: "tools/list", tools: listed.tools });
print({ step: "allowed", result: await client.callTool({ name: "read_file", arguments: { path: "ts.txt" } }) });
print({ step: "denied", result: await client.callTool({ name: "delete_table", arguments: { table } }) });
const progress = [];
const held = await client.callTool({ name: "drop_index", arguments: { table } }, undefined, {
  onprogress: (p) => progress.push(p),
  timeout: 30000,
});
print({ step: "held", result: held, progress });
await transport.terminateSession();
await client.close();
