package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One request as Slack would POST it to a Request URL — or forged. Immutable: {@link #tampered},
 * {@link #signedAt} and {@link #skewed} give a changed copy. Send the very same object twice for a
 * replay.
 *
 * <p>The signature is computed here, independently of the code under test:
 * {@code v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body))}.
 */
public final class SignedRequest {
    /** The ways a request can be forged. */
    public enum Tamper {
        /** Authentic. */
        NONE,
        /** The signature with one hex digit changed. */
        BAD_HMAC,
        /** The right digest under a version that is not {@code v0}. */
        V1_PREFIX,
        /** Without {@code X-Slack-Signature}. */
        NO_SIGNATURE,
        /** Without {@code X-Slack-Request-Timestamp}. */
        NO_TIMESTAMP,
        /** Without either header. */
        NO_HEADERS,
        /** Signed with another secret. */
        WRONG_SECRET,
        /** Signed, then the body changed (the vote flipped, or the reason rewritten). */
        BODY_ALTERED
    }

    /** What a receiver answered, and how long it took. */
    public record Answer(int status, String body, Duration took) {
    }

    private final String secret;
    private final ObjectNode payload;
    private final Instant timestamp;
    private final Tamper tamper;

    SignedRequest(String secret, ObjectNode payload, Instant timestamp) {
        this(secret, payload, timestamp, Tamper.NONE);
    }

    private SignedRequest(String secret, ObjectNode payload, Instant timestamp, Tamper tamper) {
        this.secret = secret;
        this.payload = payload;
        this.timestamp = timestamp;
        this.tamper = tamper;
    }

    /** This request forged as {@code how}. */
    public SignedRequest tampered(Tamper how) {
        return new SignedRequest(secret, payload, timestamp, how);
    }

    /** This request signed with {@code at} as its timestamp (an old or future one, correctly signed). */
    public SignedRequest signedAt(Instant at) {
        return new SignedRequest(secret, payload, at, tamper);
    }

    /** This request signed {@code by} away from its timestamp: negative is in the past. */
    public SignedRequest skewed(Duration by) {
        return signedAt(timestamp.plus(by));
    }

    /** The payload as Slack sends it (decoded). */
    public JsonNode payload() {
        return payload.deepCopy();
    }

    /** The form body as sent: {@code payload=<URL-encoded JSON>}. */
    public Buffer body() {
        if (tamper == Tamper.BODY_ALTERED) {
            ObjectNode altered = payload.deepCopy();
            JsonNode actions = altered.path("actions");
            if (actions.isArray() && !actions.isEmpty()) {
                ObjectNode action = (ObjectNode) actions.get(0);
                action.put("action_id", "approve".equals(action.path("action_id").asText()) ? "deny" : "approve");
            } else {
                altered.put("altered", true);
            }
            return form(altered);
        }
        return form(payload);
    }

    /** The headers as sent. */
    public MultiMap headers() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/x-www-form-urlencoded")
                .add("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)");
        String ts = Long.toString(timestamp.getEpochSecond());
        String hex = hmac(tamper == Tamper.WRONG_SECRET ? secret + "-not" : secret, ts, form(payload).getBytes());
        String signature = switch (tamper) {
            case BAD_HMAC -> "v0=" + hex.substring(0, hex.length() - 1) + (hex.endsWith("0") ? "1" : "0");
            case V1_PREFIX -> "v1=" + hex;
            default -> "v0=" + hex;
        };
        if (tamper != Tamper.NO_TIMESTAMP && tamper != Tamper.NO_HEADERS) {
            headers.add("X-Slack-Request-Timestamp", ts);
        }
        if (tamper != Tamper.NO_SIGNATURE && tamper != Tamper.NO_HEADERS) {
            headers.add("X-Slack-Signature", signature);
        }
        return headers;
    }

    /** POSTs this request to {@code url} (an absolute http URL), as Slack would. */
    public Future<Answer> send(Vertx vertx, String url) {
        HttpClient client = vertx.createHttpClient();
        long started = System.nanoTime();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url);
        headers().forEach(options::addHeader);
        Promise<Answer> answered = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> client.request(options)   // one event loop for every step of the exchange
                .compose(request -> request.send(body()))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(), b.toString(StandardCharsets.UTF_8),
                        Duration.ofNanos(System.nanoTime() - started))))
                .eventually(() -> client.close())
                .onComplete(answered));
        return answered.future();
    }

    private static Buffer form(JsonNode payload) {
        return Buffer.buffer("payload=" + URLEncoder.encode(payload.toString(), StandardCharsets.UTF_8));
    }

    private static String hmac(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : mac.doFinal(body)) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
