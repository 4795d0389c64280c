package dev.countersign.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest version of each approval this member has seen, held or read, so that an earlier sealed
 * state put back in its place (a seal proves who wrote a value, not that it is the latest) is refused
 * here instead of honoured. Best effort: it lives in this member's memory (bounded; forgotten on a
 * restart, and not known to a member that takes over a partition), so it catches a roll-back on the
 * members that saw the newer state, which includes the holder that applied it and its backup. It is
 * checked by each transition where the entry is held, where reads and writes of an entry are
 * serialised; a reader elsewhere may legitimately get an older version than one this member wrote.
 */
public final class Freshness {
    private static final int MAX_REMEMBERED = 200_000;
    private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();

    /** Fails with {@link TamperedStateException} when {@code version} of {@code id} is older than one seen; else remembers it. */
    public void require(String id, long version) {
        Long newest = seen.get(id);
        if (newest != null && version < newest) {
            throw TamperedStateException.rolledBack(id, version, newest);
        }
        saw(id, version);
    }

    /**
     * Forgets {@code version} of {@code id} when it is the newest remembered: it was about to be stored
     * and was not (the durable store refused it), so the version before it is current again.
     */
    public void withdraw(String id, long version) {
        seen.computeIfPresent(id, (k, newest) -> newest != version ? newest : version > 0 ? Long.valueOf(version - 1) : null);
    }

    /** Remembers that {@code version} of {@code id} exists (it was stored or read). */
    public void saw(String id, long version) {
        if (seen.size() >= MAX_REMEMBERED) {
            seen.clear();   // bounded memory: start over rather than grow
        }
        seen.merge(id, version, Math::max);
    }
}
