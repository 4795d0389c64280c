package dev.countersign.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Inbound requests already received by some node of the cluster, by a key the receiver derives from
 * what authenticates the request (a chat platform's signature): each key is first seen once
 * cluster-wide within its window, so a request replayed to another node is recognised too. Kept in
 * the Hazelcast map {@value #MAP}, each key expiring after its window.
 */
public final class SeenRequests {
    public static final String MAP = "countersign.seen-requests";
    private final IMap<String, Boolean> seen;

    public SeenRequests(HazelcastInstance hazelcast) {
        this.seen = hazelcast.getMap(MAP);
    }

    /** Whether {@code key} is seen here first, cluster-wide, within {@code window} (then it is remembered that long). */
    public CompletionStage<Boolean> firstSeen(String key, Duration window) {
        return seen.submitToKey(key, new Remember(Math.max(1, window.toSeconds())));
    }

    /** Remembers its key for {@code seconds} unless it is remembered already; answers whether it was new. */
    static final class Remember implements EntryProcessor<String, Boolean, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long seconds;

        Remember(long seconds) {
            this.seconds = seconds;
        }

        @Override
        public Boolean process(Map.Entry<String, Boolean> entry) {
            if (entry.getValue() != null) {
                return false;
            }
            ((ExtendedMapEntry<String, Boolean>) entry).setValue(Boolean.TRUE, seconds, TimeUnit.SECONDS);
            return true;
        }
    }
}
