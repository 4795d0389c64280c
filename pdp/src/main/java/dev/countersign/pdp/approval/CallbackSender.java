package dev.countersign.pdp.approval;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.time.Duration;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs an approval's outcome to a callback URL, signed so the receiver can tell it came from
 * Countersign and was not replayed:
 * <pre>
 * X-Countersign-Timestamp: 1763716800                  (Unix seconds)
 * X-Countersign-Signature: v1=&lt;hex HMAC-SHA256(secret, timestamp + "." + body)&gt;
 * X-Countersign-Delivery: &lt;delivery id&gt;            (the same on every retry: de-duplicate by it)
 * </pre>
 * A receiver recomputes the HMAC over the exact bytes received, compares in constant time, and
 * rejects timestamps more than five minutes away. Any 2xx is success; redirects are not followed.
 * The request connects to the address {@link CallbackDestinations} checked, never to a fresh lookup.
 */
final class CallbackSender {
    static final String TIMESTAMP = "X-Countersign-Timestamp";
    static final String SIGNATURE = "X-Countersign-Signature";
    static final String DELIVERY = "X-Countersign-Delivery";

    /** The longest a send may take, connecting included; shorter than the outbox's claim lease. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** The most of a receiver's response body read; the rest is not waited for. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final HttpClient client;
    private final String secret;

    CallbackSender(Vertx vertx, String secret) {
        this(vertx, secret, null);
    }

    /** Trusts {@code trust} instead of the platform's certificate authorities when it is not null. */
    CallbackSender(Vertx vertx, String secret, TrustOptions trust) {
        HttpClientOptions options = new HttpClientOptions().setConnectTimeout(5_000).setIdleTimeout(30).setForceSni(true).setVerifyHost(true);
        if (trust != null) {
            options.setTrustOptions(trust);
        }
        this.vertx = vertx;
        this.client = vertx.createHttpClient(options);
        this.secret = secret;
    }

    /**
     * Sends {@code body}, the outcome of approval {@code approvalId}, as delivery {@code deliveryId}
     * to {@code url} at {@code address}, the checked address of its host. The whole exchange,
     * connecting included, ends within {@link #DEADLINE}; the response body is read up to
     * {@link #MAX_RESPONSE_BYTES} and dropped. A 2xx status is success even when the body is cut off.
     */
    Future<Void> send(String deliveryId, String approvalId, String url, byte[] body, InetAddress address) {
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        URI uri = URI.create(url);
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(url)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
                .setFollowRedirects(false)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "countersign-callback")
                .putHeader(TIMESTAMP, timestamp)
                .putHeader(SIGNATURE, "v1=" + sign(secret, timestamp, body))
                .putHeader(DELIVERY, deliveryId)
                .putHeader("X-Countersign-Approval", approvalId);
        Exchange exchange = new Exchange();
        long deadline = vertx.setTimer(DEADLINE.toMillis(), t -> exchange.end("the receiver did not answer within " + DEADLINE.toSeconds() + " s"));
        exchange.outcome.future().onComplete(done -> vertx.cancelTimer(deadline));
        client.request(options).onFailure(exchange.outcome::tryFail).onSuccess(request -> {
            exchange.request = request;
            if (exchange.outcome.future().isComplete()) {
                request.reset();
                return;
            }
            request.send(Buffer.buffer(body)).onFailure(exchange.outcome::tryFail).onSuccess(response -> {
                exchange.status = response.statusCode();
                long[] received = {0};
                response.handler(chunk -> {
                    received[0] += chunk.length();
                    if (received[0] > MAX_RESPONSE_BYTES) {
                        exchange.end(null);
                    }
                });
                response.exceptionHandler(e -> exchange.end(e.toString()));
                response.endHandler(v -> exchange.settle());
            });
        });
        return exchange.outcome.future();
    }

    /** One send in flight: it ends once, by its status when the status arrived, else as a failure. */
    private static final class Exchange {
        final Promise<Void> outcome = Promise.promise();
        volatile HttpClientRequest request;
        volatile int status;

        /** Ends a complete exchange by its status. */
        boolean settle() {
            return status / 100 == 2 ? outcome.tryComplete() : outcome.tryFail("the receiver answered " + status);
        }

        /** Ends an exchange cut short (deadline, oversized body, broken connection) and drops its connection. */
        void end(String failure) {
            boolean ended = status == 0 ? outcome.tryFail(failure == null ? "the receiver closed without answering" : failure) : settle();
            if (ended && request != null) {
                request.reset();
            }
        }
    }

    Future<Void> close() {
        return client.close();
    }

    /** hex HMAC-SHA256 of {@code timestamp + "." + body} with {@code secret}. */
    static String sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is required of every Java platform", e);
        }
    }
}
