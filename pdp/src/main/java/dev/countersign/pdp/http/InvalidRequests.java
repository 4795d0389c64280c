package dev.countersign.pdp.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Requests the HTTP decoder could not read — a request line longer than the server reads (414),
 * headers larger than it reads (431), a version other than HTTP/1.0 and 1.1 or a body of unknown
 * length (400, see {@link UnreadableRequests}), anything else that is not HTTP/1.1 (400) — answered with the
 * same JSON error as every other refusal, instead of an empty body, and the connection closed (what
 * follows on it cannot be trusted to start a request).
 */
public final class InvalidRequests {
    private InvalidRequests() {
    }

    public static void answer(HttpServerRequest request) {
        DecoderResult result = request.decoderResult();
        Throwable cause = result == null ? null : result.cause();
        ApiError error;
        if (cause instanceof TooLongHttpLineException) {
            error = new ApiError(414, "uri_too_long", "the request line is longer than this server reads (4096 bytes): shorten the"
                    + " URL, or send the input in the body of a POST");
        } else if (cause instanceof TooLongHttpHeaderException) {
            error = new ApiError(431, "headers_too_large", "the request's headers are larger than this server reads (8192 bytes)");
        } else if (cause instanceof UnreadableRequests.Unreadable unreadable) {
            error = new ApiError(400, unreadable.code, unreadable.getMessage());
        } else {
            error = new ApiError(400, "malformed_request", "the request is not valid HTTP/1.1"
                    + (cause == null || cause.getMessage() == null ? "" : ": " + oneLine(cause.getMessage())));
        }
        JsonObject body = new JsonObject().put("code", error.code()).put("message", error.getMessage());
        request.response().setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE).end(body.encode())
                .onComplete(done -> request.connection().close());
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("[\\p{Cntrl}]", " ");
        return line.length() <= 120 ? line : line.substring(0, 119) + "…";
    }
}
