package dev.countersign.connectors.teams;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * The answer to an invoke activity: HTTP {@code status} (equal to the body's {@code statusCode})
 * with {@code body} as JSON ({@value #CONTENT_TYPE}). Made by {@link InvokeResponses}.
 */
public record InvokeResponse(int status, ObjectNode body) {
    public static final String CONTENT_TYPE = "application/json; charset=utf-8";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The body's bytes, to send. */
    public Buffer toBuffer() {
        try {
            return Buffer.buffer(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
