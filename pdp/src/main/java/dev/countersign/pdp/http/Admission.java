package dev.countersign.pdp.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;

/**
 * Lets a request into its route from its headers alone, before a byte of its body is read or
 * buffered: the caller is authenticated (401, 403, or a 400 for a credential sent twice), held to
 * its rate (429 with {@code Retry-After}), and only then, when the client asked with
 * {@code Expect: 100-continue}, told to send its body: {@code 100 Continue} from here on a route that
 * reads no body, from the body handler that follows on one that does, or 413 at once when the
 * declared length is over the limit (so the client is not left waiting for a 100 that never comes). A request refused here is answered at once and, when it came
 * with a body, its connection is closed, so the body is never read (see {@link Responses#error}).
 * The admitted caller is put in the context under {@link Caller#CONTEXT_KEY}.
 *
 * <p>A {@link SecurityPolicyHandler}, because Vert.x Web orders a route's handlers by kind and lets
 * only platform and security-policy handlers come before the {@code BodyHandler}. Admission is
 * synchronous: the body handler must be installed on the same turn of the event loop, since the
 * request is not paused meanwhile.
 */
final class Admission implements SecurityPolicyHandler {
    /** Marks a context whose request was refused before its body was read. */
    static final String REFUSED_UNREAD = "countersign.refused-unread";

    /** Who is calling, from the request's headers: the caller, or an {@link ApiError}. */
    @FunctionalInterface
    interface Check {
        Caller caller(HttpServerRequest request);
    }

    private final Check check;
    private final long maxBodyBytes;

    /** Admits callers {@code check} accepts to a route that reads up to {@code maxBodyBytes} of body (-1: none). */
    Admission(Check check, long maxBodyBytes) {
        this.check = check;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        try {
            Caller caller = check.caller(request);
            RateLimit rate = caller.rate();
            if (rate != null) {
                long wait = rate.acquire();
                if (wait > 0) {
                    throw ApiError.rateLimited("client " + caller.name() + " exceeded its rate of " + rate.rate().perSecond()
                            + " requests per second (a burst of " + rate.rate().burst() + ") on this node",
                            RateLimit.retryAfterSeconds(wait));
                }
            }
            ctx.put(Caller.CONTEXT_KEY, caller);
            if (expectsContinue(request)) {
                if (maxBodyBytes < 0) {
                    request.response().writeContinue();
                } else if (declaredLength(request) > maxBodyBytes) {
                    throw new ApiError(413, "body_too_large", "the request body (" + declaredLength(request)
                            + " bytes, as declared) is larger than the " + maxBodyBytes + " bytes this server accepts");
                }
                // else the body handler, next, sends 100 Continue as it starts reading
            }
        } catch (ApiError refused) {
            ctx.put(REFUSED_UNREAD, Boolean.TRUE);
            ctx.fail(refused);
            return;
        }
        ctx.next();
    }

    private static boolean expectsContinue(HttpServerRequest request) {
        String expect = request.getHeader(HttpHeaders.EXPECT);
        return expect != null && expect.equalsIgnoreCase("100-continue");
    }

    /** The Content-Length the request declares; -1 when it declares none (or a bad one, which the body handler refuses). */
    static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the request comes with a body that has not all been read. */
    static boolean hasUnreadBody(HttpServerRequest request) {
        return !request.isEnded() && (declaredLength(request) > 0 || request.headers().contains(HttpHeaders.TRANSFER_ENCODING));
    }
}
