package dev.countersign.cluster;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many times this member refused shared state as tampered since it started: approvals that fail
 * their seal (wherever they are read, queries included), answers that the sealed state they came with
 * does not record, and member-bundle entries that no member wrote. Whoever refuses logs it; this
 * only counts.
 */
public final class Tampering {
    private final AtomicLong refused = new AtomicLong();

    /** Counts one refusal of {@code refusal}; answers it. */
    public <E extends RuntimeException> E counted(E refusal) {
        refused.incrementAndGet();
        return refusal;
    }

    /** Counts one refusal. */
    public void count() {
        refused.incrementAndGet();
    }

    /** The refusals counted so far. */
    public long refused() {
        return refused.get();
    }
}
