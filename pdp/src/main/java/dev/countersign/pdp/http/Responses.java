package dev.countersign.pdp.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Writing JSON answers, and the checks every JSON body goes through. */
public final class Responses {
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    /** A decision's answer fits, as a rule. */
    private static final int INITIAL_ANSWER_BYTES = 1024;

    private Responses() {
    }

    /** Answers {@code status} with the JSON {@code body} writes; {@code ?pretty=true} indents it. */
    public static void json(RoutingContext ctx, int status, Json.IoConsumer<JsonGenerator> body) {
        write(ctx, status, body);
    }

    private static Future<Void> write(RoutingContext ctx, int status, Json.IoConsumer<JsonGenerator> body) {
        boolean pretty = wantsPretty(ctx);
        Buffer out = Buffer.buffer(INITIAL_ANSWER_BYTES);
        try (JsonGenerator g = Json.FACTORY.createGenerator(new BufferOutput(out))) {
            if (pretty) {
                g.setPrettyPrinter(new DefaultPrettyPrinter());
            }
            body.accept(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(out);
    }

    /** Bytes written, appended to a buffer: an answer is written once, where it is sent from. */
    private static final class BufferOutput extends OutputStream {
        private final Buffer buffer;

        BufferOutput(Buffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }

    private static boolean wantsPretty(RoutingContext ctx) {
        try {
            return "true".equals(ctx.request().getParam("pretty"));
        } catch (RuntimeException malformedQuery) {
            return false;
        }
    }

    /** Answers {@code status} with a value made of maps, lists and scalars. */
    public static void value(RoutingContext ctx, int status, Object value) {
        json(ctx, status, g -> JsonValues.write(g, value, false));
    }

    /**
     * Writes an API error as {@code {"code", "message", "location"?}}, with {@code Retry-After} when it
     * says when to try again. A request {@link Admission} refused before reading the body it came with
     * is answered with {@code Connection: close} and its HTTP/1 connection closed once the answer is
     * written, so that body is never read; a client that sent {@code Expect: 100-continue} has sent
     * none of it.
     */
    public static void error(RoutingContext ctx, ApiError e) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten()) {
            response.reset();
            return;
        }
        if (e.status() == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"countersign\"");
        }
        if (e.retryAfterSeconds() > 0) {
            response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        HttpServerRequest request = ctx.request();
        boolean close = ctx.get(Admission.REFUSED_UNREAD) != null && request.version() != HttpVersion.HTTP_2
                && Admission.hasUnreadBody(request);
        if (close) {
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        Future<Void> written = write(ctx, e.status(), g -> {
            g.writeStartObject();
            g.writeStringField("code", e.code());
            g.writeStringField("message", e.getMessage());
            if (e.location() != null) {
                g.writeStringField("location", e.location());
            }
            g.writeEndObject();
        });
        if (close) {
            written.onComplete(done -> request.connection().close());
        }
    }

    /**
     * The request body, refusing a content type other than JSON (415), a content coding (415: the
     * body is read as sent, never decompressed, so a coded body would be read as other bytes than
     * its sender meant) and a content type given twice (400). A request without a content type is
     * read as JSON.
     */
    public static byte[] jsonBody(RoutingContext ctx) {
        if (ctx.request().headers().getAll(HttpHeaders.CONTENT_TYPE).size() > 1) {
            throw ApiError.badRequest("duplicate_header", "the request carries Content-Type more than once; send one", "Content-Type");
        }
        String coding = ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING);
        if (coding != null && !coding.trim().equalsIgnoreCase("identity")) {
            throw new ApiError(415, "unsupported_media_type", "the body must be sent without a content coding (got Content-Encoding: "
                    + coding + ")", "Content-Encoding");
        }
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type != null && !isJson(type)) {
            throw new ApiError(415, "unsupported_media_type", "the body must be JSON, sent with Content-Type: application/json (got "
                    + type + ")");
        }
        Buffer body = ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }

    static boolean isJson(String contentType) {
        int end = contentType.indexOf(';');
        String media = (end < 0 ? contentType : contentType.substring(0, end)).trim();
        return media.equalsIgnoreCase("application/json") || media.equalsIgnoreCase("text/json")
                || media.regionMatches(true, media.length() - 5, "+json", 0, 5);
    }
}
