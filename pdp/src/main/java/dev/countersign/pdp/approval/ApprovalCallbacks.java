package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.callback.CallbackDelivery;
import dev.countersign.cluster.callback.CallbackOutbox;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.AuditTrail;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Telling callback URLs an approval's outcome: one delivery per URL queued in the cluster's outbox
 * (its id the same for the same approval and URL, so receivers de-duplicate), sent by whichever
 * member owns it to the address its host resolves to at send time if the destination rules allow it
 * ({@link CallbackDestinations}), signed ({@link CallbackSender}), retried with backoff until
 * {@value #MAX_ATTEMPTS} attempts; a refused destination is given up at once and audited.
 */
final class ApprovalCallbacks {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalCallbacks.class);
    private static final Duration CLAIM_LEASE = Duration.ofSeconds(30);
    private static final int MAX_ATTEMPTS = 12;

    private final Vertx vertx;
    private final CallbackOutbox outbox;
    private final AuditTrail audit;
    private final String node;
    private final boolean enabled;
    private final CallbackSender sender;
    private final CallbackDestinations destinations;
    private final AtomicBoolean delivering = new AtomicBoolean();

    ApprovalCallbacks(Vertx vertx, CallbackOutbox outbox, AuditTrail audit, String node, ServerConfig.Approvals settings) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.audit = audit;
        this.node = node;
        this.enabled = settings.callbackSecret() != null;
        this.sender = new CallbackSender(vertx, settings.callbackSecret());
        this.destinations = new CallbackDestinations(settings.callbackHosts());
    }

    boolean enabled() {
        return enabled;
    }

    /** Why {@code url} may not be a callback URL; null when it may. */
    String refusal(String url) {
        return destinations.refusal(url);
    }

    /** Queues the outcome of {@code a} for each of {@code urls}. */
    void enqueue(PendingApproval a, List<String> urls) {
        if (urls.isEmpty()) {
            return;
        }
        byte[] body = Json.write(g -> JsonValues.write(g, body(a), false));
        Instant now = Instant.now();
        for (String url : urls) {
            String id = a.id() + "-" + HexFormat.of().formatHex(sha256(url)).substring(0, 16);
            outbox.enqueue(CallbackDelivery.first(id, a.id(), url, new String(body, StandardCharsets.UTF_8), now))
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            LOG.error("cannot queue the callback of approval {} to {}", a.id(), CallbackDestinations.redact(url), failure);
                        }
                    });
        }
    }

    /** Claims and sends the due deliveries this member owns; a sweep still running when the next is due is not overlapped. */
    void sweep() {
        if (enabled && delivering.compareAndSet(false, true)) {
            vertx.executeBlocking(() -> outbox.claimOwnDue(node, CLAIM_LEASE), false)
                    .onSuccess(due -> due.forEach(this::deliver))
                    .onFailure(failure -> LOG.warn("sweeping callback deliveries failed: {}", failure.toString()))
                    .onComplete(done -> delivering.set(false));
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

    private void deliver(CallbackDelivery d) {
        vertx.executeBlocking(() -> destinations.resolve(d.url()), false)
                .compose(address -> sender.send(d, address))
                .onComplete(result -> {
                    if (result.succeeded()) {
                        outbox.delivered(d.id());
                    } else if (result.cause() instanceof CallbackDestinations.Refused refused) {
                        LOG.error("refusing the callback of approval {} to {}: {}", d.approvalId(), CallbackDestinations.redact(d.url()),
                                refused.getMessage());
                        giveUp(d, "callback_refused", refused.getMessage());
                    } else if (d.attempts() + 1 >= MAX_ATTEMPTS) {
                        LOG.error("giving up the callback of approval {} to {} after {} attempts: {}", d.approvalId(),
                                CallbackDestinations.redact(d.url()), d.attempts() + 1, result.cause().getMessage());
                        giveUp(d, "callback_failed", result.cause().getMessage());
                    } else {
                        long backoff = Math.min(300_000L, 1000L << Math.min(d.attempts(), 20));
                        LOG.warn("callback of approval {} to {} failed (attempt {}), retrying in {} ms: {}", d.approvalId(),
                                CallbackDestinations.redact(d.url()), d.attempts() + 1, backoff, result.cause().getMessage());
                        outbox.retry(d.id(), Instant.now().plusMillis(backoff), result.cause().getMessage());
                    }
                });
    }

    private void giveUp(CallbackDelivery d, String event, String error) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("type", "approval");
        record.put("event", event);
        record.put("approval_id", d.approvalId());
        record.put("time", Instant.now().toString());
        record.put("node", node);
        record.put("url", CallbackDestinations.redact(d.url()));
        record.put("error", error);
        audit.append(record);
        outbox.delivered(d.id());
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void close() {
        sender.close();
    }
}
