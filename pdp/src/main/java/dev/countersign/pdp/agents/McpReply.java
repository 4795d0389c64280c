package dev.countersign.pdp.agents;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The answer to one JSON-RPC request posted to the gateway: a single JSON body, or, once a message
 * must be sent before the response (a progress notification), an SSE stream on which the response
 * is the last event. An upstream's answer is relayed unchanged either way: as it came while nothing
 * was sent yet; as its SSE events (or its JSON body as one event) once the stream is open.
 */
final class McpReply {
    /** JSON-RPC error codes the gateway answers with (the implementation-defined server range). */
    static final int UPSTREAM_UNAVAILABLE = -32001;
    static final int UPSTREAM_PROTOCOL = -32002;
    static final int NOT_DECIDED = -32003;
    static final int INVALID_PARAMS = -32602;

    private final HttpServerResponse response;
    private final Object id;
    private boolean streaming;

    McpReply(HttpServerResponse response, Object id) {
        this.response = response;
        this.id = id;
    }

    /** Sends {@code message} (a notification) before the response, opening the SSE stream if it is not open. */
    void notify(JsonObject message) {
        if (response.ended() || response.closed()) {
            return;
        }
        open();
        response.write(event(message));
    }

    private void open() {
        if (!streaming) {
            streaming = true;
            response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        }
    }

    /** Answers with {@code result}. */
    void result(JsonObject result) {
        end(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result));
    }

    /** Answers with a JSON-RPC error. */
    void error(int code, String message, JsonObject data) {
        JsonObject error = new JsonObject().put("code", code).put("message", message);
        if (data != null) {
            error.put("data", data);
        }
        end(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", error));
    }

    private void end(JsonObject message) {
        if (response.ended() || response.closed()) {
            return;
        }
        if (streaming) {
            response.end(event(message));
        } else {
            response.setStatusCode(200).putHeader("Content-Type", "application/json").end(message.toBuffer());
        }
    }

    /** Relays the upstream's answer: headers and body as they came, or into the open stream. */
    Future<Void> relay(HttpClientResponse upstream) {
        if (response.ended() || response.closed()) {
            upstream.resume();
            return Future.succeededFuture();
        }
        String type = upstream.getHeader("Content-Type");
        boolean sse = type != null && type.toLowerCase().startsWith("text/event-stream");
        if (!streaming) {
            response.setStatusCode(upstream.statusCode());
            for (String name : McpUpstream.RESPONSE_HEADERS) {
                String value = upstream.getHeader(name);
                if (value != null) {
                    response.putHeader(name, value);
                }
            }
            String length = upstream.getHeader("Content-Length");
            if (length != null) {
                response.putHeader("Content-Length", length);
            } else {
                response.setChunked(true);
            }
            return upstream.pipeTo(response);
        }
        if (sse) {
            return upstream.pipeTo(response);
        }
        return McpUpstream.body(upstream).compose(body -> {
            if (upstream.statusCode() / 100 != 2 || body.length() == 0) {
                error(UPSTREAM_PROTOCOL, "the upstream MCP server answered HTTP " + upstream.statusCode() + " without a JSON-RPC response",
                        null);
            } else {
                // JSON holds no raw line break inside a string: any is whitespace, and would split the event
                response.end(Buffer.buffer("event: message\ndata: ").appendString(body.toString().replace("\r", "").replace("\n", ""))
                        .appendString("\n\n"));
            }
            return Future.succeededFuture();
        });
    }

    private static Buffer event(JsonObject message) {
        return Buffer.buffer("event: message\ndata: ").appendBuffer(message.toBuffer()).appendString("\n\n");
    }
}
