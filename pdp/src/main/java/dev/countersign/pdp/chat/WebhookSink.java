package dev.countersign.pdp.chat;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Settlement;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.webhook.WebhookConnector;
import dev.countersign.connectors.webhook.WebhookEvent;
import dev.countersign.pdp.approval.ApprovalMessages;
import dev.countersign.pdp.events.EventSink;
import dev.countersign.pdp.events.Retries;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A webhook destination as a sink ({@code webhook:https://…}): each lifecycle event (created, vote,
 * approved, denied, expired, redeemed, reminder) POSTed in order, signed, with the approval as it
 * stands; the receiver de-duplicates by event id. Events about deliveries (a card posted elsewhere,
 * a destination given up) are not sent. A delivery failing part-way records the events delivered
 * before it; retries back off up to {@value #MAX_ATTEMPTS} attempts.
 */
public final class WebhookSink implements EventSink {
    static final int MAX_ATTEMPTS = 12;
    private static final Set<String> SENT = Set.of(ApprovalEvent.CREATED, ApprovalEvent.VOTE, ApprovalEvent.APPROVED,
            ApprovalEvent.DENIED, ApprovalEvent.EXPIRED, ApprovalEvent.REDEEMED, ApprovalEvent.REMINDER);

    private final WebhookConnector connector;
    private final String publicUrl;
    private final Clock clock;

    public WebhookSink(WebhookConnector connector, String publicUrl, Clock clock) {
        this.connector = connector;
        this.publicUrl = publicUrl;
        this.clock = clock;
    }

    @Override
    public boolean serves(String sink) {
        return sink.startsWith(WebhookConnector.KIND + ":");
    }

    @Override
    public Future<Settlement> deliver(PendingApproval a, Delivery d, List<ApprovalEvent> events) {
        Destination destination;
        try {
            destination = connector.destination(d.sink());
        } catch (IllegalArgumentException e) {
            return Future.succeededFuture(Settlement.failed(e.getMessage()));
        }
        long[] done = {d.delivered()};
        Future<Void> chain = Future.succeededFuture();
        for (ApprovalEvent e : events) {
            chain = chain.compose(v -> SENT.contains(e.type())
                    ? connector.deliver(destination, new WebhookEvent(e.id(a.id()), e.type(), e.at()), ApprovalMessages.of(a, publicUrl))
                    : Future.<Void>succeededFuture()).onSuccess(v -> done[0] = e.seq());
        }
        return chain.map(v -> Settlement.delivered(done[0]))
                .otherwise(failure -> done[0] > d.delivered() ? Settlement.delivered(done[0])
                        : Retries.after(failure, d, clock, Duration.ofMinutes(5), MAX_ATTEMPTS, false));
    }
}
