package dev.countersign.pdp.events;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.ApprovalStore;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Settlement;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the events of the approvals this member holds to their sinks, at least once, and records
 * in each approval how far each sink got ({@link ApprovalStore#claim}, {@link ApprovalStore#settle}).
 * It is told of each change to an entry this member holds, and sweeps its own entries every
 * {@code sweepInterval} for what is due (retries, claims that lapsed, entries it took over from a
 * member that died), and sends the reminders due. One dispatch per approval runs at a time on this
 * node; a change arriving meanwhile runs it again after.
 *
 * <p>Nothing else announces a change of an approval: the audit log, waiters, callbacks and chat all
 * take their events from here, so a node that dies between a change and its announcement loses
 * nothing: whoever holds the entry next delivers what was not acknowledged.
 */
public final class EventDispatcher implements AutoCloseable {
    /** How long a claim on a sink lasts: longer than any one delivery may take. */
    public static final Duration LEASE = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final Vertx vertx;
    private final ApprovalStore store;
    private final String node;
    private final List<EventSink> sinks;
    private final Clock clock;
    private final Duration sweepInterval;
    private final Function<PendingApproval, List<String>> escalation;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Set<String> again = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private Context context;
    private AutoCloseable changes;
    private long sweeper = -1;

    /**
     * @param escalation the destinations to add at an approval's first reminder
     */
    public EventDispatcher(Vertx vertx, ApprovalStore store, String node, List<EventSink> sinks, Clock clock, Duration sweepInterval,
                           Function<PendingApproval, List<String>> escalation) {
        this.vertx = vertx;
        this.store = store;
        this.node = node;
        this.sinks = List.copyOf(sinks);
        this.clock = clock;
        this.sweepInterval = sweepInterval;
        this.escalation = escalation;
    }

    public void start() {
        context = vertx.getOrCreateContext();
        changes = store.onOwnChange(a -> {
            Instant due = a.log().dueAt();
            if (due != null && !due.isAfter(clock.instant())) {
                context.runOnContext(v -> dispatch(a.id()));
            }
        });
        sweeper = vertx.setPeriodic(sweepInterval.toMillis(), tick -> sweep());
    }

    /**
     * Deliveries settled since start, by sink kind ({@code audit}, {@code waiters}, {@code callback},
     * {@code slack}, {@code webhook}) and outcome ({@code delivered}, {@code retry}, {@code failed}),
     * keyed {@code kind/outcome}.
     */
    public Map<String, Long> counts() {
        Map<String, Long> now = new java.util.TreeMap<>();
        counts.forEach((k, v) -> now.put(k, v.sum()));
        return now;
    }

    private void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;   // the previous sweep still runs
        }
        vertx.executeBlocking(store::ownDue, false).onSuccess(due -> {
            due.events().forEach(this::dispatch);
            due.reminders().forEach(this::remind);
        }).onFailure(failure -> LOG.warn("sweeping approval events failed: {}", failure.toString()))
                .onComplete(done -> sweeping.set(false));
    }

    /** Claims the due sinks of approval {@code id} and delivers to each; runs again after if asked meanwhile. */
    void dispatch(String id) {
        if (!running.add(id)) {
            again.add(id);
            return;
        }
        Future.fromCompletionStage(store.claim(id, node, LEASE), context)
                .compose(claimed -> claimed == null || claimed.deliveries().isEmpty() ? Future.succeededFuture() : deliverAll(claimed))
                .onFailure(failure -> LOG.warn("delivering the events of approval {} failed: {}", id, Retries.describe(failure)))
                .onComplete(done -> {
                    running.remove(id);
                    if (again.remove(id)) {
                        dispatch(id);
                    }
                });
    }

    private Future<Void> deliverAll(ApprovalStore.Claimed claimed) {
        PendingApproval a = claimed.approval();
        List<Future<Boolean>> all = new ArrayList<>();
        for (Delivery d : claimed.deliveries()) {
            List<ApprovalEvent> events = a.log().after(d.delivered());
            if (events.isEmpty()) {
                continue;
            }
            all.add(deliver(a, d, events).compose(settlement -> {
                count(d.sink(), settlement);
                return Future.fromCompletionStage(store.settle(a.id(), d.sink(), node, settlement), context);
            }));
        }
        return Future.join(all).mapEmpty();
    }

    private Future<Settlement> deliver(PendingApproval a, Delivery d, List<ApprovalEvent> events) {
        EventSink sink = sinks.stream().filter(s -> s.serves(d.sink())).findFirst().orElse(null);
        if (sink == null) {
            // Configuration differs between nodes (a rolling change): another holder, or this one restarted, may serve it.
            return Future.succeededFuture(Settlement.retry(clock.instant().plus(Duration.ofMinutes(1)),
                    "no connector on node " + node + " serves " + SinkNames.shown(d.sink()), false));
        }
        Future<Settlement> delivered;
        try {
            delivered = sink.deliver(a, d, events);
        } catch (RuntimeException e) {
            delivered = Future.failedFuture(e);
        }
        return delivered.otherwise(failure -> {
            LOG.error("the sink of {} failed delivering approval {} (a bug: sinks answer failures as settlements)",
                    SinkNames.shown(d.sink()), a.id(), failure);
            return Retries.after(failure, d, clock, Duration.ofMinutes(5), 0, true);
        }).onSuccess(s -> log(a, d, s));
    }

    private void log(PendingApproval a, Delivery d, Settlement s) {
        switch (s.kind()) {
            case RETRY -> LOG.warn("approval {}: {} failed (attempt {}), retrying at {}: {}", a.id(), SinkNames.shown(d.sink()),
                    d.attempts() + 1, s.retryAt(), s.error());
            case FAILED -> LOG.error("approval {}: {} given up: {}", a.id(), SinkNames.shown(d.sink()), s.error());
            default -> {
            }
        }
    }

    private void count(String sink, Settlement s) {
        int colon = sink.indexOf(':');
        String kind = colon < 0 ? sink : sink.substring(0, colon);
        counts.computeIfAbsent(kind + "/" + s.kind().name().toLowerCase(java.util.Locale.ROOT), k -> new LongAdder()).increment();
    }

    private void remind(String id) {
        Future.fromCompletionStage(store.get(id), context)
                .compose(a -> a == null ? Future.succeededFuture(false)
                        : Future.fromCompletionStage(store.remind(id, escalation.apply(a)), context))
                .onFailure(failure -> LOG.warn("the reminder of approval {} failed: {}", id, Retries.describe(failure)));
    }

    @Override
    public void close() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        if (changes != null) {
            try {
                changes.close();
            } catch (Exception e) {
                LOG.debug("stopping the change listener failed: {}", e.toString());
            }
        }
    }
}
