package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Settlement;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.events.EventSink;
import dev.countersign.pdp.events.Retries;
import dev.countersign.pdp.events.SinkNames;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Callback URLs as sinks ({@code callback:<url>}): each is told the approval's outcome once it is
 * decided, as one signed POST ({@link CallbackSender}) whose delivery id is the same for the same
 * approval and URL on every attempt, so receivers de-duplicate. Events before the outcome are taken
 * without sending anything. The URL's host is resolved at send time and the address checked
 * ({@link CallbackDestinations}); a refused destination is given up at once, any other failure
 * retried with backoff up to {@value #MAX_ATTEMPTS} attempts.
 */
public final class CallbackSink implements EventSink {
    static final int MAX_ATTEMPTS = 12;

    private final Vertx vertx;
    private final Clock clock;
    private final boolean enabled;
    private final CallbackSender sender;
    private final CallbackDestinations destinations;

    public CallbackSink(Vertx vertx, ServerConfig.Approvals settings, Clock clock) {
        this.vertx = vertx;
        this.clock = clock;
        this.enabled = settings.callbackSecret() != null;
        this.sender = new CallbackSender(vertx, settings.callbackSecret());
        this.destinations = new CallbackDestinations(settings.callbackHosts());
    }

    /** Whether callbacks are configured (a secret to sign them with). */
    public boolean enabled() {
        return enabled;
    }

    /** Why {@code url} may not be a callback URL; null when it may. */
    public String refusal(String url) {
        return destinations.refusal(url);
    }

    @Override
    public boolean serves(String sink) {
        return SinkNames.callbackUrl(sink) != null;
    }

    @Override
    public Future<Settlement> deliver(PendingApproval a, Delivery d, List<ApprovalEvent> events) {
        long upTo = events.get(events.size() - 1).seq();
        if (events.stream().noneMatch(ApprovalEvent::isOutcome)) {
            return Future.succeededFuture(Settlement.delivered(upTo));   // nothing to tell yet
        }
        if (!enabled) {
            return Future.succeededFuture(Settlement.failed("callbacks are not configured on this node (approvals.callback_secret)"));
        }
        String url = SinkNames.callbackUrl(d.sink());
        byte[] body = Json.write(g -> JsonValues.write(g, body(a), false));
        return vertx.executeBlocking(() -> destinations.resolve(url), false)
                .compose(address -> sender.send(deliveryId(a.id(), url), a.id(), url, body, address))
                .map(sent -> Settlement.delivered(upTo))
                .otherwise(failure -> failure instanceof CallbackDestinations.Refused refused
                        ? Settlement.failed("callback_refused: " + refused.getMessage())
                        : Retries.after(failure, d, clock, Duration.ofMinutes(5), MAX_ATTEMPTS, false));
    }

    /** The delivery id of the outcome of approval {@code approvalId} sent to {@code url}. */
    static String deliveryId(String approvalId, String url) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return approvalId + "-" + HexFormat.of().formatHex(hash).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> body(PendingApproval a) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("approval_id", a.id());
        body.put("status", a.status().wireName());
        body.put("decision_id", a.decisionId());
        body.put("decided_at", String.valueOf(a.decidedAt()));
        body.put("decided_by", a.decidedBy());
        body.put("approval", ApprovalJson.full(a));
        return body;
    }

    public Future<Void> close() {
        return sender.close();
    }
}
