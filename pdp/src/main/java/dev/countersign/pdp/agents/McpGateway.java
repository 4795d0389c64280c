package dev.countersign.pdp.agents;

import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Caller;
import dev.countersign.pdp.http.Responses;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /mcp/{server}}: each configured MCP server as a Streamable HTTP endpoint (JSON-RPC posted;
 * answered as JSON or as an SSE stream; {@code GET} for the server's own stream, {@code DELETE} to end
 * a session), forwarded to its upstream. Every message but a {@code tools/call} request is forwarded
 * unchanged, and its answer relayed unchanged; a {@code tools/list} answer is also read for the
 * tools' annotations. A {@code tools/call} is decided first ({@link McpToolCalls}). Callers are
 * authenticated as for {@code /v1/decisions}; a session belongs to the client that opened it.
 */
public final class McpGateway {
    private final Map<String, McpUpstream> upstreams = new LinkedHashMap<>();
    private final McpToolCalls toolCalls;
    private final ActionContextReader reader;

    public McpGateway(List<McpUpstream> upstreams, McpToolCalls toolCalls, int maxDepth) {
        for (McpUpstream u : upstreams) {
            this.upstreams.put(u.name(), u);
        }
        this.toolCalls = toolCalls;
        this.reader = new ActionContextReader(maxDepth, Set.of());
    }

    /** {@code POST /mcp/{server}}: one JSON-RPC message. */
    public void postMessage(RoutingContext ctx) {
        McpUpstream upstream = upstream(ctx);
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        byte[] bytes = Responses.jsonBody(ctx);
        Map<String, Object> message = message(bytes);
        String session = session(ctx, upstream, caller);
        Object method = message.get("method");
        Object id = message.get("id");
        boolean request = method instanceof String && id != null;
        if (request && method.equals("tools/call")) {
            toolCalls.call(ctx, upstream, caller, session, id, message, Buffer.buffer(bytes));
        } else if (request && method.equals("tools/list")) {
            forwardListing(ctx, upstream, caller, session, id, Buffer.buffer(bytes));
        } else {
            forward(ctx, upstream, caller, HttpMethod.POST, Buffer.buffer(bytes), id, false);
        }
    }

    /** {@code GET /mcp/{server}}: the upstream's stream of server messages for the session. */
    public void getStream(RoutingContext ctx) {
        McpUpstream upstream = upstream(ctx);
        session(ctx, upstream, ctx.get(Caller.CONTEXT_KEY));
        forward(ctx, upstream, ctx.get(Caller.CONTEXT_KEY), HttpMethod.GET, null, null, true);
    }

    /** {@code DELETE /mcp/{server}}: ends the session, upstream too. */
    public void deleteSession(RoutingContext ctx) {
        McpUpstream upstream = upstream(ctx);
        String session = session(ctx, upstream, ctx.get(Caller.CONTEXT_KEY));
        forward(ctx, upstream, ctx.get(Caller.CONTEXT_KEY), HttpMethod.DELETE, null, null, false);
        ctx.addEndHandler(done -> {
            if (ctx.response().getStatusCode() / 100 == 2) {
                upstream.closed(session);
            }
        });
    }

    private McpUpstream upstream(RoutingContext ctx) {
        String name = ctx.pathParam("server");
        McpUpstream upstream = upstreams.get(name);
        if (upstream == null) {
            throw ApiError.notFound("no MCP server " + name + " is configured" + (upstreams.isEmpty() ? " (mcp.servers is empty)"
                    : "; configured: " + String.join(", ", upstreams.keySet())));
        }
        return upstream;
    }

    /** The session the request names, which must be the caller's; 404 (as the transport answers an unknown session) when it is another client's. */
    private static String session(RoutingContext ctx, McpUpstream upstream, Caller caller) {
        if (ctx.request().headers().getAll(McpUpstream.SESSION).size() > 1) {
            throw ApiError.badRequest("duplicate_header", "the request carries Mcp-Session-Id more than once", McpUpstream.SESSION);
        }
        String session = ctx.request().getHeader(McpUpstream.SESSION);
        if (!upstream.mayUse(session, caller.name())) {
            throw ApiError.notFound("no MCP session " + session + " of client " + caller.name() + " on server " + upstream.name());
        }
        return session;
    }

    /** The posted message: one JSON-RPC object (batches are not part of the 2025-11-25 transport). */
    private Map<String, Object> message(byte[] bytes) {
        Object parsed;
        try {
            parsed = reader.readValue(bytes);
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw ApiError.badRequest("invalid_input", "expected one JSON-RPC message (an object); batches are not part of MCP's"
                    + " Streamable HTTP transport since 2025-06-18", null);
        }
        if (!"2.0".equals(map.get("jsonrpc"))) {
            throw ApiError.badRequest("invalid_input", "/jsonrpc: expected \"2.0\"", "/jsonrpc");
        }
        Object method = map.get("method");
        if (method != null && !(method instanceof String)) {
            throw ApiError.badRequest("invalid_input", "/method: expected a string", "/method");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return m;
    }

    /** Forwards as it came and relays the answer as it comes; an upstream that cannot be reached answers a JSON-RPC error (or 502 for what is not a request). */
    void forward(RoutingContext ctx, McpUpstream upstream, Caller caller, HttpMethod method, Buffer body, Object id, boolean stream) {
        upstream.send(method, ctx.request().headers(), body, stream).onSuccess(response -> {
            upstream.opened(response.getHeader(McpUpstream.SESSION), caller.name());
            new McpReply(ctx.response(), id).relay(response);
        }).onFailure(failure -> unreachable(ctx, upstream, id, failure));
    }

    /** As {@link #forward}, reading the listed tools' annotations on the way. */
    private void forwardListing(RoutingContext ctx, McpUpstream upstream, Caller caller, String session, Object id, Buffer body) {
        upstream.send(HttpMethod.POST, ctx.request().headers(), body, false).compose(response -> McpUpstream.body(response).map(bytes -> {
            JsonObject answer = McpMessages.response(response.getHeader("Content-Type"), bytes, id);
            if (answer != null && answer.getValue("result") instanceof JsonObject result) {
                upstream.listed(session, result);
            }
            ctx.response().setStatusCode(response.statusCode());
            for (String name : McpUpstream.RESPONSE_HEADERS) {
                String value = response.getHeader(name);
                if (value != null) {
                    ctx.response().putHeader(name, value);
                }
            }
            ctx.response().end(bytes);
            return (Void) null;
        })).onFailure(failure -> unreachable(ctx, upstream, id, failure));
    }

    static void unreachable(RoutingContext ctx, McpUpstream upstream, Object id, Throwable failure) {
        upstream.failed(failure);
        String why = "MCP server " + upstream.name() + " could not be reached: " + McpUpstream.describe(failure);
        if (id != null) {
            new McpReply(ctx.response(), id).error(McpReply.UPSTREAM_UNAVAILABLE, why, new JsonObject().put("server", upstream.name()));
        } else if (!ctx.response().headWritten()) {
            Responses.error(ctx, new ApiError(502, "upstream_unavailable", why));
        } else {
            ctx.response().reset();
        }
    }
}
