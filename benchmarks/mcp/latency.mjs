// Latency of tools/call through the Countersign MCP gateway against the same upstream called directly,
// in one run, with the TypeScript SDK client: sequential calls, alternating direct and gateway, each
// with new arguments (so every gateway call is a new decision, not a cached one).
// Usage: node latency.mjs <upstream url> <gateway url> <token> <warm-up calls> <measured calls>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [direct, gateway, token, warmup, measured] = process.argv.slice(2);

async function connect(url, headers) {
  const client = new Client({ name: "countersign-latency", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  await client.listTools();
  return client;
}

const clients = { direct: await connect(direct, {}), gateway: await connect(gateway, { Authorization: `Bearer ${token}` }) };
const times = { direct: [], gateway: [] };
let n = 0;
for (let i = 0; i < Number(warmup) + Number(measured); i++) {
  for (const which of ["direct", "gateway"]) {
    const started = process.hrtime.bigint();
    const result = await clients[which].callTool({ name: "echo", arguments: { text: `call ${n++}` } });
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    if (result.isError) throw new Error(`${which} call failed: ${JSON.stringify(result)}`);
    if (i >= Number(warmup)) times[which].push(micros);
  }
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { calls: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
};
const d = stats(times.direct);
const g = stats(times.gateway);
const f = (x) => (x / 1000).toFixed(2).padStart(7);
console.log(`                      calls    mean ms   p50 ms   p90 ms   p99 ms`);
console.log(`upstream directly   ${String(d.calls).padStart(6)}  ${f(d.mean)}  ${f(d.p50)}  ${f(d.p90)}  ${f(d.p99)}`);
console.log(`through the gateway ${String(g.calls).padStart(6)}  ${f(g.mean)}  ${f(g.p50)}  ${f(g.p90)}  ${f(g.p99)}`);
console.log(`added by the gateway         ${f(g.mean - d.mean)}  ${f(g.p50 - d.p50)}  ${f(g.p90 - d.p90)}  ${f(g.p99 - d.p99)}`);
for (const c of Object.values(clients)) await c.close();
