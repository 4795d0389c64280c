package dev.countersign.pdp.http;

import dev.countersign.pdp.config.Rate;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The token bucket of one principal on this node: {@link Rate#burst()} tokens, one taken by each
 * request admitted, refilled at {@link Rate#perSecond()}. Kept as the time at which the bucket will
 * be full again (the generic cell rate algorithm), in one {@link AtomicLong}: a check is a clock
 * read and a compare-and-set, takes no lock and allocates nothing, and a refused request takes no
 * token. Each node keeps its own buckets, so a client calling {@code n} nodes may make {@code n}
 * times its rate in all.
 */
public final class RateLimit {
    private static final long SECOND = 1_000_000_000L;

    private final Rate rate;
    /** Nanoseconds of refill one token is worth. */
    private final long interval;
    /** How far ahead of now the bucket may owe and still admit: a full bucket's worth, less one token. */
    private final long tolerance;
    /** When, on the {@link System#nanoTime} clock, every token taken so far will have been refilled. */
    private final AtomicLong full;

    public RateLimit(Rate rate) {
        this(rate, System.nanoTime());
    }

    /** A full bucket at {@code now} (a {@link System#nanoTime} reading). */
    RateLimit(Rate rate, long now) {
        this.rate = rate;
        this.interval = SECOND / rate.perSecond();
        this.tolerance = (rate.burst() - 1) * interval;
        this.full = new AtomicLong(now);
    }

    public Rate rate() {
        return rate;
    }

    /** Takes a token now: 0 when one was taken, otherwise the nanoseconds until one will be there. */
    public long acquire() {
        return acquire(System.nanoTime());
    }

    /** Takes a token at {@code now} (a {@link System#nanoTime} reading): 0, or the nanoseconds to wait. */
    long acquire(long now) {
        while (true) {
            long owed = full.get();
            long from = owed - now > 0 ? owed : now;
            long wait = from - tolerance - now;
            if (wait > 0) {
                return wait;
            }
            if (full.compareAndSet(owed, from + interval)) {
                return 0;
            }
        }
    }

    /** A wait as a {@code Retry-After} value: whole seconds, rounded up, at least 1. */
    static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + SECOND - 1) / SECOND);
    }
}
