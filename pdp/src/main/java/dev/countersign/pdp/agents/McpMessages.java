package dev.countersign.pdp.agents;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/** Reading JSON-RPC messages out of an upstream's answer, whether a JSON body or an SSE stream. */
final class McpMessages {
    private McpMessages() {
    }

    /** The response to request {@code id} in {@code body} (JSON or {@code text/event-stream}); null when there is none. */
    static JsonObject response(String contentType, Buffer body, Object id) {
        boolean sse = contentType != null && contentType.toLowerCase().startsWith("text/event-stream");
        if (!sse) {
            JsonObject message = object(body.toString());
            return message != null && sameId(message.getValue("id"), id) ? message : null;
        }
        StringBuilder data = new StringBuilder();
        for (String line : body.toString().split("\r\n|\r|\n", -1)) {
            if (line.isEmpty()) {
                JsonObject message = data.length() == 0 ? null : object(data.toString());
                data.setLength(0);
                if (message != null && message.containsKey("method") == false && sameId(message.getValue("id"), id)) {
                    return message;
                }
            } else if (line.startsWith("data:")) {
                if (data.length() > 0) {
                    data.append('\n');
                }
                data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
            }
        }
        JsonObject last = data.length() == 0 ? null : object(data.toString());
        return last != null && sameId(last.getValue("id"), id) ? last : null;
    }

    /** Ids compare by value: 7 and 7L are one id, "7" is another. */
    static boolean sameId(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return Objects.equals(a, b);
    }

    private static JsonObject object(String text) {
        try {
            return new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
    }
}
