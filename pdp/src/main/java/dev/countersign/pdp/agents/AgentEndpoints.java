package dev.countersign.pdp.agents;

import dev.countersign.pdp.approval.HeldActions;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.AuditTrail;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.http.HealthHandler;
import dev.countersign.pdp.metrics.ServerMetrics;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's endpoints for agents, built from the {@code mcp} and {@code hooks} sections: the MCP
 * gateway over every configured upstream and the pre-tool-use hook, both holding actions through one
 * {@link HeldActions}. Each upstream adds a readiness check ({@code mcp.<name>}, informative) and the
 * gateway's counters to {@code /metrics}.
 */
public record AgentEndpoints(McpGateway mcp, PreToolUseHandler hooks) {

    public static AgentEndpoints of(Vertx vertx, ServerConfig config, DecisionService decisions, AuditTrail audit,
                                    ServerMetrics metrics, List<HealthHandler.Check> checks) {
        List<McpUpstream> upstreams = new ArrayList<>();
        for (ServerConfig.McpServer server : config.agents().servers()) {
            McpUpstream upstream = new McpUpstream(vertx, server);
            upstreams.add(upstream);
            checks.add(upstream.check());
        }
        HeldActions held = new HeldActions(vertx, decisions, config.agents().progressInterval(), audit, config.node());
        ClientActors actors = new ClientActors(config.clients());
        McpToolCalls toolCalls = new McpToolCalls(held, actors, config.agents().mcpWait());
        metrics.counters("countersign_mcp_tool_calls", "MCP tools/call requests through the gateway, by server and outcome (allowed,"
                + " denied, review_denied, expired, pending; failed: not decided or not forwarded)", List.of("server", "outcome"),
                toolCalls::outcomes);
        metrics.counters("countersign_mcp_upstream_failures", "Failed attempts to reach each MCP server's upstream", List.of("server"), () -> {
            Map<String, Long> failures = new TreeMap<>();
            upstreams.forEach(u -> failures.put(u.name(), u.failures()));
            return failures;
        });
        return new AgentEndpoints(new McpGateway(upstreams, toolCalls, config.maxDepth()),
                new PreToolUseHandler(held, actors, config.agents().hookWait(), config.maxDepth()));
    }
}
