package dev.countersign.pdp.server;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MACs of the event-bus messages this node delivered, each kept until the time after which the
 * freshness check refuses its message anyway, so a message delivered once is not delivered again
 * however often it is sent. Only messages whose MAC holds are recorded, so only members holding the
 * cluster secret fill it; past {@code capacity} MACs kept at once the oldest is forgotten early (a
 * replay of it within its window is then no longer recognised: best effort under a flood of genuine
 * traffic, bounded memory always).
 */
final class RecentMacs {
    static final int DEFAULT_CAPACITY = 200_000;

    private final int capacity;
    /** MAC to the time (this node's clock, in milliseconds) until which it is kept, in the order delivered. */
    private final LinkedHashMap<String, Long> kept = new LinkedHashMap<>();

    RecentMacs(int capacity) {
        this.capacity = capacity;
    }

    /** Whether {@code mac} was not delivered before; records it, kept until {@code keepUntil}, at {@code now}. */
    synchronized boolean firstTime(String mac, long keepUntil, long now) {
        forgetExpired(now);
        if (kept.containsKey(mac)) {
            return false;
        }
        if (kept.size() >= capacity) {
            Iterator<String> oldest = kept.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        kept.put(mac, keepUntil);
        return true;
    }

    /** How many MACs are kept now. */
    synchronized int size() {
        return kept.size();
    }

    /** Drops, from the oldest delivered on, the MACs whose time has passed (a later one still kept may have expired too). */
    private void forgetExpired(long now) {
        Iterator<Map.Entry<String, Long>> it = kept.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue() >= now) {
                return;
            }
            it.remove();
        }
    }
}
