package dev.countersign.cluster.callback;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import dev.countersign.cluster.Majority;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Callback deliveries waiting to be sent, in the Hazelcast map {@value #MAP} (backed up on another
 * member), so that a delivery outlives the node that queued it. Each member sends the deliveries it
 * owns; a delivery is claimed for a lease before it is sent, so two members never send it at once,
 * and a claim whose node died lapses. Delivery is at least once: receivers de-duplicate by id.
 */
public final class CallbackOutbox {
    public static final String MAP = "countersign.callbacks";

    private final IMap<String, CallbackDelivery> deliveries;
    private final Majority majority;

    public CallbackOutbox(HazelcastInstance hazelcast) {
        this(hazelcast, Majority.none(hazelcast));
    }

    /** An outbox whose member claims nothing while {@code majority} is absent. */
    public CallbackOutbox(HazelcastInstance hazelcast, Majority majority) {
        this.deliveries = hazelcast.getMap(MAP);
        this.majority = majority;
    }

    public CompletionStage<Void> enqueue(CallbackDelivery delivery) {
        return deliveries.setAsync(delivery.id(), delivery);
    }

    /** Claims, for {@code lease}, the due deliveries this member owns (blocks briefly on local data: call it off an event loop). */
    public List<CallbackDelivery> claimOwnDue(String node, Instant now, Duration lease) {
        if (!majority.present()) {
            return List.of();
        }
        Set<String> due = deliveries.localKeySet(Predicates.lessEqual("nextAttempt", now));
        if (due.isEmpty()) {
            return List.of();
        }
        Map<String, CallbackDelivery> claimed = deliveries.executeOnKeys(due, new Claim(node, now, now.plus(lease)));
        List<CallbackDelivery> result = new ArrayList<>();
        for (CallbackDelivery d : claimed.values()) {
            if (d != null) {
                result.add(d);
            }
        }
        return result;
    }

    /** The delivery was accepted by its receiver. */
    public CompletionStage<CallbackDelivery> delivered(String id) {
        return deliveries.removeAsync(id);
    }

    /** The attempt failed; try again at {@code next}. */
    public CompletionStage<Object> retry(String id, Instant next, String error) {
        return deliveries.submitToKey(id, new Retry(next, error));
    }

    /** The number of deliveries waiting in the cluster. */
    public int size() {
        return deliveries.size();
    }

    static final class Claim implements EntryProcessor<String, CallbackDelivery, CallbackDelivery> {
        private static final long serialVersionUID = 1L;
        private final String node;
        private final Instant now;
        private final Instant until;

        Claim(String node, Instant now, Instant until) {
            this.node = node;
            this.now = now;
            this.until = until;
        }

        @Override
        public CallbackDelivery process(Map.Entry<String, CallbackDelivery> entry) {
            CallbackDelivery d = entry.getValue();
            if (d == null || d.nextAttempt().isAfter(now) || (d.claimedUntil() != null && d.claimedUntil().isAfter(now))) {
                return null;
            }
            CallbackDelivery claimed = d.claimed(node, until);
            entry.setValue(claimed);
            return claimed;
        }
    }

    static final class Retry implements EntryProcessor<String, CallbackDelivery, Object> {
        private static final long serialVersionUID = 1L;
        private final Instant next;
        private final String error;

        Retry(Instant next, String error) {
            this.next = next;
            this.error = error;
        }

        @Override
        public Object process(Map.Entry<String, CallbackDelivery> entry) {
            CallbackDelivery d = entry.getValue();
            if (d != null) {
                entry.setValue(d.retryAt(next, error));
            }
            return null;
        }
    }
}
