package dev.countersign.pdp.agents;

import dev.countersign.pdp.approval.HeldActions;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Caller;
import dev.countersign.pdp.http.Responses;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/hooks/pre-tool-use}: the JSON a coding agent's PreToolUse hook receives
 * ({@code session_id}, {@code cwd}, {@code hook_event_name}, {@code tool_name}, {@code tool_input},
 * {@code tool_use_id}, and whatever else the agent adds), decided as {@link AgentActions#hookToolCall}
 * and answered in the hook's output form:
 * {@code {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"|"deny",
 * "permissionDecisionReason": "..."}}}. A held call waits up to {@code hooks.wait_for_approval}; one
 * still pending is denied with the approval id, and the same call retried once it is approved is
 * allowed, once. {@code tool_use_id} differs on every retry and is not part of the action context.
 */
public final class PreToolUseHandler {
    private final HeldActions held;
    private final ClientActors actors;
    private final Duration wait;
    private final ActionContextReader reader;

    public PreToolUseHandler(HeldActions held, ClientActors actors, Duration wait, int maxDepth) {
        this.held = held;
        this.actors = actors;
        this.wait = wait;
        this.reader = new ActionContextReader(maxDepth, Set.of());
    }

    public void decideToolUse(RoutingContext ctx) {
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        Map<String, Object> input = input(Responses.jsonBody(ctx));
        String tool = text(input, "tool_name", true);
        Object event = input.get("hook_event_name");
        if (event != null && !"PreToolUse".equals(event)) {
            throw ApiError.badRequest("invalid_input", "/hook_event_name: this endpoint answers PreToolUse hooks, not " + event,
                    "/hook_event_name");
        }
        Object toolInput = input.get("tool_input");
        if (toolInput != null && !(toolInput instanceof Map<?, ?>)) {
            throw ApiError.badRequest("invalid_input", "/tool_input: expected an object", "/tool_input");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> arguments = toolInput == null ? Map.of() : (Map<String, Object>) toolInput;
        String command = "Bash".equals(tool) && arguments.get("command") instanceof String c ? c : null;
        Map<String, Object> context = new LinkedHashMap<>();
        for (String key : new String[]{"session_id", "cwd"}) {
            String value = text(input, key, false);
            if (value != null) {
                context.put(key, value);
            }
        }
        ActionContext action = AgentActions.hookToolCall(actors.of(caller), tool, arguments, command, context);
        Promise<Void> gone = Promise.promise();
        ctx.response().closeHandler(v -> gone.tryComplete());
        held.decide(action, "", caller, "hooks", null, wait, HeldActions.Progress.NONE, gone.future())
                .onSuccess(gated -> Responses.value(ctx, 200, answer(gated)))
                .onFailure(ctx::fail);
    }

    /** The hook's output: allow or deny, with why. */
    static Map<String, Object> answer(HeldActions.Gated gated) {
        Map<String, Object> specific = new LinkedHashMap<>();
        specific.put("hookEventName", "PreToolUse");
        specific.put("permissionDecision", gated.allowed() ? "allow" : "deny");
        specific.put("permissionDecisionReason", gated.message());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hookSpecificOutput", specific);
        Map<String, Object> countersign = new LinkedHashMap<>();
        countersign.put("outcome", gated.outcome().name().toLowerCase());
        countersign.put("decision_id", gated.decided().decision().decisionId());
        if (gated.approvalId() != null) {
            countersign.put("approval_id", gated.approvalId());
        }
        out.put("countersign", countersign);
        return out;
    }

    private Map<String, Object> input(byte[] bytes) {
        Object parsed;
        try {
            parsed = reader.readValue(bytes);
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw ApiError.badRequest("invalid_input", "expected the hook's input object, with tool_name and tool_input", null);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return m;
    }

    private static String text(Map<String, Object> input, String key, boolean required) {
        Object v = input.get(key);
        if (v == null && !required) {
            return null;
        }
        if (!(v instanceof String s) || (required && s.isBlank())) {
            throw ApiError.badRequest("invalid_input", "/" + key + ": expected " + (required ? "a non-empty string" : "a string"),
                    "/" + key);
        }
        return s;
    }
}
