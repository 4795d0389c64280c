package dev.countersign.pdp.approval;

import dev.countersign.cluster.callback.CallbackDelivery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
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
        this.client = vertx.createHttpClient(options);
        this.secret = secret;
    }

    /** Sends {@code d} to {@code address}, the checked address of its URL's host. */
    Future<Void> send(CallbackDelivery d, InetAddress address) {
        byte[] body = d.body().getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        URI uri = URI.create(d.url());
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(d.url())
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
                .setFollowRedirects(false)
                .setTimeout(10_000)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "countersign-callback")
                .putHeader(TIMESTAMP, timestamp)
                .putHeader(SIGNATURE, "v1=" + sign(secret, timestamp, body))
                .putHeader(DELIVERY, d.id())
                .putHeader("X-Countersign-Approval", d.approvalId());
        return client.request(options)
                .compose(request -> request.send(Buffer.buffer(body)))
                .compose(response -> response.body().compose(ignored -> response.statusCode() / 100 == 2 ? Future.succeededFuture()
                        : Future.failedFuture("the receiver answered " + response.statusCode())));
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
