package dev.countersign.pdp.agents;

import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.HealthHandler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One upstream MCP server (Streamable HTTP) as the gateway reaches it: requests forwarded with the
 * client's MCP headers (never its credentials), bounded by the server's {@code timeout}; the MCP
 * sessions opened through this node, each bound to the client that opened it; the tool annotations
 * each session's {@code tools/list} answered; and the upstream's health as last seen.
 */
public final class McpUpstream {
    /** The request headers of the MCP transport, forwarded both ways; nothing else is. */
    static final List<String> REQUEST_HEADERS = List.of("Accept", "Content-Type", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID");
    static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "Mcp-Session-Id", "MCP-Protocol-Version", "Cache-Control");
    public static final String SESSION = "Mcp-Session-Id";
    /** Sessions remembered per upstream; past it, some are forgotten, in no particular order, and their ids are adopted again by the next client naming them. */
    static final int MAX_SESSIONS = 50_000;

    /** A session: the client that opened it, and the annotations of each tool its {@code tools/list} named. */
    private record Session(String client, Map<String, Map<String, Object>> annotations, java.util.concurrent.atomic.AtomicBoolean listed) {
        Session(String client) {
            this(client, new ConcurrentHashMap<>(), new java.util.concurrent.atomic.AtomicBoolean());
        }
    }

    private final ServerConfig.McpServer config;
    private final HttpClient http;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Instant> lastSeen = new AtomicReference<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong listings = new AtomicLong();

    public McpUpstream(Vertx vertx, ServerConfig.McpServer config) {
        this.config = config;
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeout).setKeepAlive(true),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    }

    public ServerConfig.McpServer config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    /**
     * Sends {@code body} (null: none) as {@code method} with the MCP headers of {@code from}. A
     * {@code stream} (a GET of server messages) has no idle bound; anything else fails when the
     * upstream is silent for {@code timeout}. The response is paused: the caller reads or pipes it.
     */
    public Future<HttpClientResponse> send(HttpMethod method, MultiMap from, Buffer body, boolean stream) {
        RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(config.upstream().toString())
                .setIdleTimeout(stream ? 0 : config.timeout().toMillis());
        for (String name : REQUEST_HEADERS) {
            String value = from.get(name);
            if (value != null) {
                options.putHeader(name, value);
            }
        }
        return http.request(options).compose(request -> body == null ? request.send() : request.send(body)).map(response -> {
            response.pause();
            seen(response.statusCode());
            return response;
        }).onFailure(this::failed);
    }

    /** The whole body of a response {@link #send} answered (which is paused until read). */
    static Future<Buffer> body(HttpClientResponse response) {
        Future<Buffer> body = response.body();
        response.resume();
        return body;
    }

    private void seen(int status) {
        if (status >= 500) {
            failed(new IllegalStateException("answered HTTP " + status));
        } else {
            lastSeen.set(Instant.now());
            lastError.set(null);
        }
    }

    void failed(Throwable failure) {
        failures.incrementAndGet();
        lastError.set(describe(failure));
    }

    /** What went wrong reaching the upstream, in words for the agent and the operator. */
    static String describe(Throwable failure) {
        String text = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        if (failure instanceof java.util.concurrent.TimeoutException || text.contains("timeout") || text.contains("Timeout")) {
            return "no answer in time (" + text + ")";
        }
        return text;
    }

    /**
     * Whether {@code client} may use {@code session}: a session opened through this node belongs to
     * the client that opened it; one this node has not seen (opened through another node) is taken
     * by the first client to use it here.
     */
    public boolean mayUse(String session, String client) {
        if (session == null) {
            return true;
        }
        bound();
        Session s = sessions.computeIfAbsent(session, id -> new Session(client));
        return s.client().equals(client);
    }

    /** Binds a session the upstream opened to the client it opened for. */
    public void opened(String session, String client) {
        if (session != null) {
            bound();
            sessions.putIfAbsent(session, new Session(client));
        }
    }

    private void bound() {
        var it = sessions.keySet().iterator();
        while (sessions.size() >= MAX_SESSIONS && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    public void closed(String session) {
        if (session != null) {
            sessions.remove(session);
        }
    }

    /** The annotations the session's listings gave, by tool; null when it has listed no tools yet. */
    public Map<String, Map<String, Object>> annotations(String session) {
        Session s = sessions.get(session == null ? "" : session);
        return s == null || !s.listed().get() ? null : s.annotations();
    }

    /** Keeps the annotations of the tools a {@code tools/list} result names, for the session it was asked in. */
    public void listed(String session, JsonObject result) {
        listings.incrementAndGet();
        Session s = sessions.computeIfAbsent(session == null ? "" : session, id -> new Session(""));
        s.listed().set(true);
        JsonArray tools = result == null ? null : result.getJsonArray("tools");
        if (tools == null) {
            return;
        }
        for (Object t : tools) {
            if (t instanceof JsonObject tool && tool.getValue("name") instanceof String name) {
                Object annotations = tool.getValue("annotations");
                s.annotations().put(name, annotations instanceof JsonObject a ? a.getMap() : Map.of());
            }
        }
    }

    public long failures() {
        return failures.get();
    }

    public int sessions() {
        return sessions.size();
    }

    /** Up unless the last attempt to reach it failed; not required for readiness (decisions do not depend on it). */
    public HealthHandler.Check check() {
        return new HealthHandler.Check("mcp." + config.name(), () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("upstream", config.upstream().toString());
            details.put("sessions", sessions.size());
            details.put("failures", failures.get());
            Instant seen = lastSeen.get();
            if (seen != null) {
                details.put("last_answer", seen.toString());
            }
            String error = lastError.get();
            if (error != null) {
                details.put("error", error);
                return HealthHandler.Status.down(details);
            }
            return HealthHandler.Status.up(details);
        }, false);
    }

    public Future<Void> close() {
        return http.close();
    }
}
