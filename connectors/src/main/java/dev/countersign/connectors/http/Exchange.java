package dev.countersign.connectors.http;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * One HTTP request as the connectors make them: the whole exchange, connecting included, ends
 * within a deadline; at most a bounded number of answer bytes is read, after which the connection
 * is dropped; redirects are never followed (the caller sets none on its {@link RequestOptions}).
 *
 * <p>For the connectors' own use. A failure is an {@link Failed} whose message describes it without
 * the request's URL (a timeout message from the HTTP client would carry the path and query, where
 * a webhook may keep a secret).
 */
public final class Exchange {
    /**
     * An answer: its status, headers, and the body read, which is {@code cut} when it was longer than
     * the bound or did not end before the deadline.
     */
    public record Answer(int status, MultiMap headers, Buffer body, boolean cut) {
    }

    /** An exchange that got no answer: the message says why, without the URL. */
    public static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean timedOut;

        Failed(String message, boolean timedOut) {
            super(message, null, false, false);
            this.timedOut = timedOut;
        }

        /** Whether the deadline passed before a status arrived. */
        public boolean timedOut() {
            return timedOut;
        }
    }

    private Exchange() {
    }

    /**
     * Sends {@code body} as {@code request} on {@code client}; the answer arrives once its body has
     * ended, was cut at {@code maxBytes}, or the deadline passed after the status arrived. Fails with
     * {@link Failed} when no status arrived within {@code deadline}.
     */
    public static Future<Answer> send(Vertx vertx, HttpClient client, RequestOptions request, Buffer body, Duration deadline,
                                      int maxBytes) {
        InFlight flight = new InFlight(maxBytes);
        if (Vertx.currentContext() != null) {
            start(vertx, client, request, body, deadline, flight);
        } else {
            // Called from a thread that is not Vert.x's (a worker, a test): every step must run on one
            // event loop, or a response can arrive before its handlers are set and its end is missed.
            vertx.getOrCreateContext().runOnContext(v -> start(vertx, client, request, body, deadline, flight));
        }
        return flight.outcome.future();
    }

    private static void start(Vertx vertx, HttpClient client, RequestOptions request, Buffer body, Duration deadline, InFlight flight) {
        long timer = vertx.setTimer(Math.max(1, deadline.toMillis()),
                t -> flight.end(new Failed("no answer within " + seconds(deadline), true)));
        flight.outcome.future().onComplete(done -> vertx.cancelTimer(timer));
        client.request(request).onFailure(e -> flight.end(e)).onSuccess(sending -> {
            flight.request = sending;
            if (flight.outcome.future().isComplete()) {
                sending.reset();
                return;
            }
            sending.send(body == null ? Buffer.buffer() : body).onFailure(flight::end).onSuccess(response -> {
                flight.status = response.statusCode();
                flight.headers = response.headers();
                response.handler(flight::received);
                response.exceptionHandler(flight::end);
                response.endHandler(v -> flight.settle(false));
            });
        });
    }

    /** What went wrong, in words that carry no URL. */
    public static String describe(Throwable failure) {
        if (failure instanceof Failed) {
            return failure.getMessage();
        }
        if (failure instanceof ConnectException) {
            return "the connection was refused";
        }
        if (failure instanceof UnknownHostException) {
            return "the host name did not resolve";
        }
        if (failure instanceof SSLException) {
            return "TLS failed: " + failure.getMessage();
        }
        if (failure instanceof ClosedChannelException) {
            return "the connection was closed";
        }
        String message = failure.getMessage();
        return message != null && message.contains("closed") ? "the connection was closed" : "the exchange failed (" + failure.getClass().getSimpleName() + ")";
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * One request in flight: it ends once, with an answer once a status arrived, else with a failure.
     * Synchronized: the deadline's timer may fire on another thread than the response's handlers.
     */
    private static final class InFlight {
        final Promise<Answer> outcome = Promise.promise();
        final int maxBytes;
        final Buffer body = Buffer.buffer();
        volatile HttpClientRequest request;
        volatile int status;
        volatile MultiMap headers;

        InFlight(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized void received(Buffer chunk) {
            int room = maxBytes - body.length();
            if (chunk.length() <= room) {
                body.appendBuffer(chunk);
            } else {
                body.appendBuffer(chunk, 0, Math.max(0, room));
                settle(true);
            }
        }

        /** Ends with the answer read so far; {@code cut} when more was coming. */
        synchronized void settle(boolean cut) {
            if (outcome.tryComplete(new Answer(status, headers, body, cut)) && cut) {
                drop();
            }
        }

        /** Ends an exchange cut short: by the answer so far when its status arrived, else as a failure. */
        synchronized void end(Throwable failure) {
            boolean ended = status == 0
                    ? outcome.tryFail(failure instanceof Failed ? failure : new Failed(describe(failure), false))
                    : outcome.tryComplete(new Answer(status, headers, body, true));
            if (ended) {
                drop();
            }
        }

        private void drop() {
            HttpClientRequest r = request;
            if (r != null) {
                r.reset();
            }
        }
    }
}
