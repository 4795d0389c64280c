package dev.countersign.cluster.callback;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.approval.ApprovalSeal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Callback deliveries waiting to be sent, in the Hazelcast map {@value #MAP} (backed up on another
 * member), so that a delivery outlives the node that queued it. Each member sends the deliveries it
 * owns; a delivery is claimed for a lease before it is sent, so two members never send it at once,
 * and a claim whose node died lapses. Delivery is at least once: receivers de-duplicate by id.
 * Deliveries are sealed ({@link ApprovalSeal}): one that fails its seal is never claimed or sent
 * (it would carry the server's signature to wherever its forger pointed it); it is dropped and logged.
 */
public final class CallbackOutbox {
    public static final String MAP = "countersign.callbacks";
    private static final Logger LOG = LoggerFactory.getLogger(CallbackOutbox.class);

    private final HazelcastInstance hazelcast;
    private final MemberContext member;
    private final IMap<String, CallbackDelivery> deliveries;
    private final AtomicLong tampered = new AtomicLong();

    public CallbackOutbox(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.member = MemberContext.of(hazelcast);
        this.deliveries = hazelcast.getMap(MAP);
    }

    public CompletionStage<Void> enqueue(CallbackDelivery delivery) {
        return deliveries.setAsync(delivery.id(), member.seal().seal(delivery));
    }

    /**
     * Claims, for {@code lease}, the due deliveries this member owns, while it stands well in its
     * cluster (blocks briefly on local data: call it off an event loop).
     */
    public List<CallbackDelivery> claimOwnDue(String node, Duration lease) {
        if (member.standing().problem(hazelcast, false) != null) {
            return List.of();
        }
        Instant now = member.clock().instant();
        Set<String> due = deliveries.localKeySet(Predicates.lessEqual("nextAttempt", now));
        if (due.isEmpty()) {
            return List.of();
        }
        Map<String, CallbackDelivery> claimed = deliveries.executeOnKeys(due, new Claim(node, now, now.plus(lease), member.seal()));
        List<CallbackDelivery> result = new ArrayList<>();
        for (Map.Entry<String, CallbackDelivery> d : claimed.entrySet()) {
            if (d.getValue() == null) {
                continue;
            }
            if (d.getValue().id() == null) {
                tampered.incrementAndGet();
                LOG.error("callback delivery {} failed its integrity check: it was put or changed outside Countersign; dropped unsent",
                        d.getKey());
            } else {
                result.add(d.getValue());
            }
        }
        return result;
    }

    /** How many deliveries failed their seal on this member since it started. */
    public long tampered() {
        return tampered.get();
    }

    /** The delivery was accepted by its receiver. */
    public CompletionStage<CallbackDelivery> delivered(String id) {
        return deliveries.removeAsync(id);
    }

    /** The attempt failed; try again at {@code next}. */
    public CompletionStage<Object> retry(String id, Instant next, String error) {
        return deliveries.submitToKey(id, new Retry(id, next, error, member.seal()));
    }

    /** The number of deliveries waiting in the cluster. */
    public int size() {
        return deliveries.size();
    }

    /**
     * An outbox operation, signed by the node that submits it and applied only when the signature
     * holds, with the seal of the member that runs it; fails closed on a member without one.
     */
    private abstract static class Sealed<R> implements EntryProcessor<String, CallbackDelivery, R>, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private final String authorization;
        private transient HazelcastInstance member;

        Sealed(String authorization) {
            this.authorization = authorization;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        ApprovalSeal seal() {
            return MemberContext.of(member).seal();
        }

        /** Fails unless this operation, as {@code params} describe it, was signed with the cluster secret. */
        void requireSigned(String kind, String key, Object... params) {
            if (!seal().authorizes(authorization, kind, key, params)) {
                throw dev.countersign.cluster.TamperedStateException.unsigned(kind, "callback delivery " + key);
            }
        }
    }

    /**
     * Claims a due, unclaimed delivery: answers it claimed, null when it is not due or is claimed, and
     * a delivery without an id for one that failed its seal (which is removed).
     */
    static final class Claim extends Sealed<CallbackDelivery> {
        private static final long serialVersionUID = 1L;
        private final String node;
        private final Instant now;
        private final Instant until;

        Claim(String node, Instant now, Instant until, ApprovalSeal seal) {
            super(seal.operation("claim", "", node, now, until));
            this.node = node;
            this.now = now;
            this.until = until;
        }

        @Override
        public CallbackDelivery process(Map.Entry<String, CallbackDelivery> entry) {
            requireSigned("claim", "", node, now, until);
            CallbackDelivery d = entry.getValue();
            if (d == null) {
                return null;
            }
            if (!entry.getKey().equals(d.id()) || !seal().holds(d)) {
                entry.setValue(null);
                return CallbackDelivery.first(null, null, null, null, now);
            }
            if (d.nextAttempt().isAfter(now) || (d.claimedUntil() != null && d.claimedUntil().isAfter(now))) {
                return null;
            }
            CallbackDelivery claimed = seal().seal(d.claimed(node, until));
            entry.setValue(claimed);
            return claimed;
        }
    }

    static final class Retry extends Sealed<Object> {
        private static final long serialVersionUID = 1L;
        private final Instant next;
        private final String error;

        Retry(String key, Instant next, String error, ApprovalSeal seal) {
            super(seal.operation("retry", key, next, error));
            this.next = next;
            this.error = error;
        }

        @Override
        public Object process(Map.Entry<String, CallbackDelivery> entry) {
            requireSigned("retry", entry.getKey(), next, error);
            CallbackDelivery d = entry.getValue();
            if (d != null && entry.getKey().equals(d.id()) && seal().holds(d)) {
                entry.setValue(seal().seal(d.retryAt(next, error)));
            }
            return null;
        }
    }
}
