package dev.countersign.pdp.events;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Settlement;
import io.vertx.core.Future;
import java.util.List;

/**
 * One kind of receiver of approval events (the audit log, waiters, callback URLs, a chat platform, a
 * webhook), delivering for the sinks whose names it {@link #serves}. The {@link EventDispatcher} of the
 * member holding an approval hands it the events a sink has still to take, at least once; the sink
 * makes their effect happen once (it de-duplicates by event id, or shows state rather than
 * repeating it) and answers how far it got.
 */
public interface EventSink {
    /** Whether this sink delivers for the sink named {@code sink} ({@code audit}, {@code callback:https://…}, {@code slack:C…}). */
    boolean serves(String sink);

    /**
     * Delivers {@code events} of {@code a} (those after {@code delivery.delivered()}, oldest first) to
     * the sink {@code delivery} names. Never fails: a failure is answered as a {@link Settlement} to
     * retry or to give up, and partial progress as the events delivered so far.
     *
     * @param a the approval as it stood when the delivery was claimed (its state is at least as new as the last event)
     */
    Future<Settlement> deliver(PendingApproval a, Delivery delivery, List<ApprovalEvent> events);
}
