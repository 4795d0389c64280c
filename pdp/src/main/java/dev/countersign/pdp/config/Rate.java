package dev.countersign.pdp.config;

/**
 * How often one principal may call, on each node: {@code perSecond} requests a second on average,
 * and up to {@code burst} at once after a quiet spell (a token bucket holding {@code burst} tokens,
 * refilled at {@code perSecond}). A principal without a rate is not limited.
 */
public record Rate(long perSecond, long burst) {
    /** The highest rate that can be set; beyond it a limit is no limit. */
    public static final long MAX_PER_SECOND = 1_000_000;
    /** The largest burst that can be set. */
    public static final long MAX_BURST = 1_000_000_000;

    public Rate {
        if (perSecond < 1 || perSecond > MAX_PER_SECOND) {
            throw new IllegalArgumentException("a rate is 1 to " + MAX_PER_SECOND + " requests per second, not " + perSecond);
        }
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException("a burst is 1 to " + MAX_BURST + " requests, not " + burst);
        }
    }

    /** A rate whose burst is one second's worth. */
    public Rate(long perSecond) {
        this(perSecond, perSecond);
    }
}
