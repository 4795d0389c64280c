package dev.countersign.pdp.agents;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an agent's tool call becomes an action context, the same for every rule author whichever
 * way the call arrives:
 * <ul>
 * <li>through the MCP gateway: {@code action.name} {@value #MCP_ACTION}, {@code action.attributes}
 * {@code {tool, arguments, server}}, {@code resource {type: "mcp.tool", id: "<server>/<tool>"}} with
 * the upstream's tool annotations ({@code destructiveHint}, {@code readOnlyHint}, ...) as its
 * attributes, {@code context.attributes.mcp_session};</li>
 * <li>through a pre-tool-use hook: {@code action.name} {@value #HOOK_ACTION}, {@code action.command}
 * the shell command of a {@code Bash} tool, {@code action.attributes} the tool input,
 * {@code resource {type: "agent.tool", id: <tool_name>}}, {@code context.attributes} the hook's
 * {@code session_id} and {@code cwd};</li>
 * </ul>
 * and in both, {@code actor} the calling client's configured actor block.
 */
public final class AgentActions {
    public static final String MCP_ACTION = "mcp.tools.call";
    public static final String MCP_RESOURCE = "mcp.tool";
    public static final String HOOK_ACTION = "agent.tool.call";
    public static final String HOOK_RESOURCE = "agent.tool";

    private AgentActions() {
    }

    public static ActionContext mcpToolCall(ClientConfig.AgentActor actor, String server, String tool, Map<String, Object> arguments,
                                            Map<String, Object> annotations, String session) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("tool", tool);
        attributes.put("arguments", arguments);
        attributes.put("server", server);
        Map<String, Object> context = new LinkedHashMap<>();
        if (session != null) {
            context.put("mcp_session", session);
        }
        return new ActionContext(actor(actor), new Action(MCP_ACTION, null, null, attributes),
                new Resource(MCP_RESOURCE, server + "/" + tool, null, null, null, null, annotations),
                null, new Context(null, null, List.of(), null, null, context), Map.of());
    }

    public static ActionContext hookToolCall(ClientConfig.AgentActor actor, String tool, Map<String, Object> input, String command,
                                             Map<String, Object> hookContext) {
        return new ActionContext(actor(actor), new Action(HOOK_ACTION, command, null, input),
                new Resource(HOOK_RESOURCE, tool, null, null, null, null, Map.of()),
                null, new Context(null, null, List.of(), null, null, hookContext), Map.of());
    }

    private static Actor actor(ClientConfig.AgentActor a) {
        return new Actor(a.id(), a.type(), List.of(), List.of(), a.onBehalfOf(), Map.of());
    }
}
