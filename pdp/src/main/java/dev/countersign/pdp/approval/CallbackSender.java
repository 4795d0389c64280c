package dev.countersign.pdp.approval;

import dev.countersign.cluster.callback.CallbackDelivery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
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
 * rejects timestamps more than five minutes away. Any 2xx is success.
 */
final class CallbackSender {
    static final String TIMESTAMP = "X-Countersign-Timestamp";
    static final String SIGNATURE = "X-Countersign-Signature";
    static final String DELIVERY = "X-Countersign-Delivery";

    private final WebClient client;
    private final String secret;

    CallbackSender(Vertx vertx, String secret) {
        this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5_000).setIdleTimeout(30)
                .setFollowRedirects(false).setUserAgent("countersign-callback"));
        this.secret = secret;
    }

    Future<Void> send(CallbackDelivery d) {
        byte[] body = d.body().getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        return client.postAbs(d.url())
                .timeout(10_000)
                .putHeader("Content-Type", "application/json")
                .putHeader(TIMESTAMP, timestamp)
                .putHeader(SIGNATURE, "v1=" + sign(secret, timestamp, body))
                .putHeader(DELIVERY, d.id())
                .putHeader("X-Countersign-Approval", d.approvalId())
                .sendBuffer(Buffer.buffer(body))
                .compose(response -> response.statusCode() / 100 == 2 ? Future.succeededFuture()
                        : Future.failedFuture("the receiver answered " + response.statusCode()));
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
