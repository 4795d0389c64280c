package dev.countersign.connectors.webhook;

import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.Connector;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Health;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.http.Exchange;
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
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Approval events to a URL: on creation and on every change the caller POSTs the approval as it now
 * stands ({@link WebhookJson}), signed so the receiver can tell it came from Countersign:
 * <pre>
 * Content-Type: application/json
 * X-Countersign-Timestamp: 1763716800                          (Unix seconds)
 * X-Countersign-Signature: sha256=&lt;hex HMAC-SHA256(secret, timestamp + "." + body)&gt;
 * X-Countersign-Event: &lt;event id&gt;                           (the same on every retry)
 * </pre>
 * A receiver recomputes the HMAC over the exact bytes received, compares in constant time, rejects
 * timestamps more than five minutes away, and de-duplicates by the event id, which the body's
 * {@code event_id} repeats under the signature (with the event's type and time in {@code event}).
 *
 * <p>Destinations are {@code webhook:<http or https URL>} without credentials or fragment. Where a
 * delivery may connect is the {@link Egress}'s to say; the request goes to the address it returns.
 * Any 2xx is success; redirects are not followed (a 3xx is a permanent failure); at most
 * {@value #MAX_ANSWER_BYTES} bytes of the answer are read; the exchange, connecting included, ends
 * within {@link #DEADLINE}. Failures: egress refused, 3xx and 4xx other than 408 and 429 are
 * permanent; 429 is rate limiting ({@code Retry-After} seconds, 30 s if absent); 408, 5xx,
 * timeouts and connection failures are transient. The caller retries.
 */
public final class WebhookConnector implements Connector {
    public static final String KIND = "webhook";
    public static final String TIMESTAMP = "X-Countersign-Timestamp";
    public static final String SIGNATURE = "X-Countersign-Signature";
    public static final String EVENT = "X-Countersign-Event";
    public static final Duration DEADLINE = Duration.ofSeconds(10);
    public static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final Pattern EVENT_ID = Pattern.compile("[\\x21-\\x7E]{1,200}");
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");

    private final Vertx vertx;
    private final Secret secret;
    private final Egress egress;
    private final Duration deadline;
    private final Clock clock;
    private final HttpClient client;

    public WebhookConnector(Vertx vertx, Secret secret, Egress egress) {
        this(vertx, secret, egress, null);
    }

    /** Trusts {@code trust} instead of the platform's certificate authorities when it is not null. */
    public WebhookConnector(Vertx vertx, Secret secret, Egress egress, TrustOptions trust) {
        this(vertx, secret, egress, trust, DEADLINE, Clock.systemUTC());
    }

    WebhookConnector(Vertx vertx, Secret secret, Egress egress, TrustOptions trust, Duration deadline, Clock clock) {
        this.vertx = vertx;
        this.secret = secret;
        this.egress = egress;
        this.deadline = deadline;
        this.clock = clock;
        HttpClientOptions options = new HttpClientOptions().setConnectTimeout((int) deadline.toMillis()).setIdleTimeout(30)
                .setForceSni(true).setVerifyHost(true);
        if (trust != null) {
            options.setTrustOptions(trust);
        }
        this.client = vertx.createHttpClient(options);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Destination destination(String spec) {
        if (spec == null || !spec.startsWith(KIND + ":")) {
            throw new IllegalArgumentException("not a webhook destination; give webhook: and an https URL, such as webhook:https://hooks.example.com/countersign");
        }
        String url = spec.substring(KIND.length() + 1);
        String problem = urlProblem(url);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new Destination(KIND, url);
    }

    /** Why {@code url} is not a webhook URL, or null. Quotes at most its scheme and host: a path may hold a secret. */
    private static String urlProblem(String url) {
        if (url.length() > 2048) {
            return "the webhook URL is longer than 2048 characters";
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "the webhook URL is not a URL (spaces and other special characters must be percent-encoded)";
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
            return "the webhook URL is not an http or https URL, such as https://hooks.example.com/countersign";
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "the webhook URL names no host";
        }
        if (uri.getRawUserInfo() != null) {
            return "the webhook URL " + uri.getScheme() + "://…@" + uri.getHost() + " carries credentials; put none in a webhook URL";
        }
        if (uri.getRawFragment() != null) {
            return "the webhook URL " + uri.getScheme() + "://" + uri.getHost() + "/… has a #fragment, which is never sent; remove it";
        }
        return null;
    }

    /** A webhook has no one platform to check: it is up, and each delivery says how it went. */
    @Override
    public Future<Health> health() {
        return Future.succeededFuture(Health.up("webhook deliveries are checked one by one"));
    }

    /**
     * POSTs {@code event} with {@code message} (the approval as it stands) to {@code destination}, signed.
     *
     * @param event its id printable ASCII, at most 200 characters: the same on every retry of the
     *              same event, so receivers de-duplicate
     */
    public Future<Void> deliver(Destination destination, WebhookEvent event, ApprovalMessage message) {
        String eventId = event.id();
        Destination to;
        try {
            to = destination(destination.spec());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        if (eventId == null || !EVENT_ID.matcher(eventId).matches()) {
            return Future.failedFuture(new IllegalArgumentException("an event id is 1 to 200 printable ASCII characters"));
        }
        URI url = URI.create(to.target());
        byte[] body = WebhookJson.bytes(event, message);
        Future<InetAddress> resolved;
        try {
            resolved = egress.resolve(url);
        } catch (RuntimeException e) {
            resolved = Future.failedFuture(e);
        }
        return resolved.recover(e -> Future.failedFuture(e instanceof Egress.Refused
                        ? ConnectorFailure.permanent("egress_refused", "the webhook " + to + " may not be contacted: " + e.getMessage())
                        : ConnectorFailure.transientFailure("unresolved", "the webhook " + to + " could not be resolved")))
                .compose(address -> send(to, url, address, eventId, body));
    }

    private Future<Void> send(Destination to, URI url, InetAddress address, String eventId, byte[] body) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(to.target())
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
                .setFollowRedirects(false)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "countersign-webhook")
                .putHeader(TIMESTAMP, timestamp)
                .putHeader(SIGNATURE, "sha256=" + sign(secret, timestamp, body))
                .putHeader(EVENT, eventId);
        return Exchange.send(vertx, client, request, Buffer.buffer(body), deadline, MAX_ANSWER_BYTES)
                .recover(e -> Future.failedFuture(ConnectorFailure.transientFailure(
                        e instanceof Exchange.Failed f && f.timedOut() ? "timeout" : "unreachable",
                        "the webhook " + to + " got no answer: " + Exchange.describe(e))))
                .compose(answer -> outcome(to, answer));
    }

    private static Future<Void> outcome(Destination to, Exchange.Answer answer) {
        int status = answer.status();
        String answered = "the webhook " + to + " answered " + status;
        if (status / 100 == 2) {
            return Future.succeededFuture();
        }
        if (status == 429) {
            String header = answer.headers().get("Retry-After");
            Duration wait = header != null && SECONDS.matcher(header.trim()).matches()
                    ? Duration.ofSeconds(Math.max(1, Long.parseLong(header.trim()))) : Duration.ofSeconds(30);
            return Future.failedFuture(ConnectorFailure.rateLimited("http_429", wait, answered));
        }
        if (status == 408 || status / 100 == 5) {
            return Future.failedFuture(ConnectorFailure.transientFailure("http_" + status, answered));
        }
        return Future.failedFuture(ConnectorFailure.permanent("http_" + status,
                answered + (status / 100 == 3 ? "; redirects are not followed" : "")));
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }

    /** hex HMAC-SHA256 of {@code timestamp + "." + body} with {@code secret}. */
    static String sign(Secret secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is required of every Java platform", e);
        }
    }
}
