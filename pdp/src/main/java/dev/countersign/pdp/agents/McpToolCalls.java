package dev.countersign.pdp.agents;

import dev.countersign.pdp.approval.HeldActions;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Caller;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code tools/call} through the gateway: decided as {@link AgentActions#mcpToolCall} (the tool's
 * annotations read from the session's {@code tools/list}, asked of the upstream when the client has
 * not listed yet); allowed, forwarded as it came and its result relayed unchanged; otherwise
 * answered, without reaching the upstream, as a tool result with {@code isError: true} whose text
 * says why (the rule and its message; who denied; the approval still pending, to retry) and whose
 * {@code _meta} carries {@value #APPROVAL_META} and {@value #OUTCOME_META}. No structured content is
 * attached, so a tool's {@code outputSchema} is never violated. A held call waits (see
 * {@link HeldActions}), with progress notifications when the client gave a progress token.
 */
public final class McpToolCalls {
    public static final String APPROVAL_META = "countersign/approval_id";
    public static final String OUTCOME_META = "countersign/outcome";
    public static final String DECISION_META = "countersign/decision_id";
    private static final int MAX_LIST_PAGES = 50;
    /** The session is recorded with each call, not bound to its approval: a retry in a new session (after a reconnect, on another node) is the same ask. */
    private static final java.util.Set<String> UNBOUND = java.util.Set.of("mcp_session");

    private final HeldActions held;
    private final ClientActors actors;
    private final Duration wait;
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong listings = new AtomicLong();

    public McpToolCalls(HeldActions held, ClientActors actors, Duration wait) {
        this.held = held;
        this.actors = actors;
        this.wait = wait;
    }

    /** Tool calls answered, by {@code server/outcome} (allowed, denied, review_denied, expired, pending, failed). */
    public Map<String, Long> outcomes() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        outcomes.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    void call(RoutingContext ctx, McpUpstream upstream, Caller caller, String session, Object id, Map<String, Object> message,
              Buffer bytes) {
        McpReply reply = new McpReply(ctx.response(), id);
        if (!(message.get("params") instanceof Map<?, ?> params) || !(params.get("name") instanceof String tool)) {
            reply.error(McpReply.INVALID_PARAMS, "tools/call needs params.name, the name of the tool to call", null);
            return;
        }
        Object args = params.get("arguments");
        if (args != null && !(args instanceof Map<?, ?>)) {
            reply.error(McpReply.INVALID_PARAMS, "tools/call params.arguments must be an object", null);
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> arguments = args == null ? Map.of() : (Map<String, Object>) args;
        Map<?, ?> meta = params.get("_meta") instanceof Map<?, ?> m ? m : Map.of();
        Object progressToken = meta.get("progressToken");
        String hint = meta.get(APPROVAL_META) instanceof String s ? s : null;
        Promise<Void> gone = Promise.promise();
        ctx.response().closeHandler(v -> gone.tryComplete());   // a client that hangs up stops waiting
        HeldActions.Progress progress = progressToken == null ? HeldActions.Progress.NONE
                : (approvalId, waited, total) -> reply.notify(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
                        .put("params", new JsonObject().put("progressToken", progressToken).put("progress", waited / 1000.0)
                                .put("total", total / 1000.0).put("message", "waiting for reviewers to decide approval " + approvalId)));
        annotations(ctx, upstream, session).compose(annotations -> {
            Map<String, Object> own = annotations.getOrDefault(tool, Map.of());
            ActionContext context = AgentActions.mcpToolCall(actors.of(caller), upstream.name(), tool, arguments, own, session);
            return held.decide(context, UNBOUND, upstream.config().packageName(), caller, "mcp", hint, wait, progress, gone.future());
        }).onSuccess(gated -> {
            count(upstream, gated.outcome().name().toLowerCase());
            if (gated.allowed()) {
                upstream.send(HttpMethod.POST, ctx.request().headers(), bytes, false)
                        .onSuccess(response -> {
                            held.recordOutcome(gated, "mcp", "forwarded", Map.of("server", upstream.name(), "tool", tool,
                                    "upstream_status", response.statusCode()));
                            reply.relay(response);
                        })
                        .onFailure(failure -> {
                            count(upstream, "failed");
                            upstream.failed(failure);
                            held.recordOutcome(gated, "mcp", "upstream_unavailable", Map.of("server", upstream.name(), "tool", tool,
                                    "error", McpUpstream.describe(failure)));
                            reply.error(McpReply.UPSTREAM_UNAVAILABLE, "the call was allowed, but MCP server " + upstream.name()
                                    + " could not be reached: " + McpUpstream.describe(failure), new JsonObject().put("server", upstream.name()));
                        });
            } else {
                reply.result(refusal(gated));
            }
        }).onFailure(failure -> {
            count(upstream, "failed");
            if (failure instanceof UpstreamListing listing) {
                upstream.failed(listing.getCause() == null ? listing : listing.getCause());
                reply.error(McpReply.UPSTREAM_UNAVAILABLE, listing.getMessage(), new JsonObject().put("server", upstream.name()));
            } else if (failure instanceof ApiError e) {
                reply.error(McpReply.NOT_DECIDED, "Countersign could not decide this call: " + e.getMessage()
                        + " (" + e.code() + ")", new JsonObject().put("code", e.code()));
            } else {
                org.slf4j.LoggerFactory.getLogger(McpToolCalls.class).error("tools/call on {} failed", upstream.name(), failure);
                reply.error(McpReply.NOT_DECIDED, "Countersign could not decide this call (the failure is logged)", null);
            }
        });
    }

    /** The tool result an agent is shown for a call that was not run. */
    static JsonObject refusal(HeldActions.Gated gated) {
        JsonObject meta = new JsonObject().put(OUTCOME_META, gated.outcome().name().toLowerCase())
                .put(DECISION_META, gated.decided().decision().decisionId());
        if (gated.approvalId() != null) {
            meta.put(APPROVAL_META, gated.approvalId());
        }
        return new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", gated.message())))
                .put("isError", true).put("_meta", meta);
    }

    private void count(McpUpstream upstream, String outcome) {
        outcomes.computeIfAbsent(upstream.name() + "/" + outcome, k -> new AtomicLong()).incrementAndGet();
    }

    /** The session's tool annotations; listed from the upstream (every page) when the client has not listed them. Fails closed. */
    private Future<Map<String, Map<String, Object>>> annotations(RoutingContext ctx, McpUpstream upstream, String session) {
        Map<String, Map<String, Object>> known = upstream.annotations(session);
        if (known != null) {
            return Future.succeededFuture(known);
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers())
                .set("Content-Type", "application/json").set("Accept", "application/json, text/event-stream");
        return listPage(upstream, headers, session, null, 0).map(v -> {
            Map<String, Map<String, Object>> listed = upstream.annotations(session);
            return listed == null ? Map.<String, Map<String, Object>>of() : listed;
        });
    }

    private Future<Void> listPage(McpUpstream upstream, MultiMap headers, String session, String cursor, int page) {
        String id = "countersign-tools-list-" + listings.incrementAndGet();
        JsonObject params = cursor == null ? new JsonObject() : new JsonObject().put("cursor", cursor);
        Buffer request = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/list").put("params", params).toBuffer();
        String why = "MCP server " + upstream.name() + " did not list its tools, which this call is decided with";
        return upstream.send(HttpMethod.POST, headers, request, false)
                .recover(failure -> Future.failedFuture(new UpstreamListing(why + ": " + McpUpstream.describe(failure), failure)))
                .compose(response -> McpUpstream.body(response).compose(body -> {
                    JsonObject answer = McpMessages.response(response.getHeader("Content-Type"), body, id);
                    if (answer == null || !(answer.getValue("result") instanceof JsonObject result)) {
                        return Future.failedFuture(new UpstreamListing(why + " (HTTP " + response.statusCode()
                                + (answer != null && answer.getValue("error") instanceof JsonObject e ? ", " + e.getString("message") : "")
                                + ")", null));
                    }
                    upstream.listed(session, result);
                    Object next = result.getValue("nextCursor");
                    return next instanceof String more && page + 1 < MAX_LIST_PAGES ? listPage(upstream, headers, session, more, page + 1)
                            : Future.<Void>succeededFuture();
                }));
    }

    /** The upstream could not list its tools: the call is not decided without them. */
    private static final class UpstreamListing extends RuntimeException {
        UpstreamListing(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
