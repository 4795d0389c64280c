package dev.countersign.pdp.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.List;
import java.util.Locale;

/**
 * Marks as undecodable, so that {@link InvalidRequests} answers them with a JSON 400 and closes the
 * connection, the requests the HTTP decoder lets through but this server cannot read: one naming an
 * HTTP version other than 1.0 and 1.1 (the decoder reads any {@code HTTP/x.y}; the HTTP server would
 * answer 501 without a body), and one whose {@code Transfer-Encoding} does not end with
 * {@code chunked}, whose body length cannot be known (RFC 9112 §6.3: answered 400, the connection
 * closed). Installed on each HTTP/1 connection right after its decoder.
 */
@ChannelHandler.Sharable
public final class UnreadableRequests extends ChannelInboundHandlerAdapter {
    private static final UnreadableRequests INSTANCE = new UnreadableRequests();
    private static final String DECODER = "httpDecoder";

    /** What makes a request unreadable, as its message says. */
    static final class Unreadable extends RuntimeException {
        final String code;

        Unreadable(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private UnreadableRequests() {
    }

    /** Installs the checks on {@code connection} when it is an HTTP/1 connection with a decoder. */
    public static void install(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            ChannelPipeline pipeline = base.channel().pipeline();
            if (pipeline.get(DECODER) != null && pipeline.get(UnreadableRequests.class) == null) {
                pipeline.addAfter(DECODER, "countersign-unreadable-requests", INSTANCE);
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            Unreadable problem = problem(request);
            if (problem != null) {
                request.setDecoderResult(DecoderResult.failure(problem));
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static Unreadable problem(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return new Unreadable("unsupported_version", "the request names " + version.text()
                    + "; this server speaks HTTP/1.1 and HTTP/1.0");
        }
        List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()) {
            String all = String.join(",", codings);
            String[] each = all.split(",");
            String last = each[each.length - 1].trim().toLowerCase(Locale.ROOT);
            if (!last.equals("chunked")) {
                return new Unreadable("malformed_request", "the request's Transfer-Encoding (" + all.trim()
                        + ") does not end with chunked, so its body's length cannot be known");
            }
        }
        return null;
    }
}
