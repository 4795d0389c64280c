package dev.countersign.rules.engine;

/**
 * How much a compiled policy's decision cache may hold: at most {@code entries} decisions and at
 * most {@code bytes} of them, each counted by an estimate of the heap it keeps (its action context
 * and its answer, {@link EntrySize}). Either bound reached, the cache starts again empty; an entry
 * larger than {@code bytes} alone is not kept. {@code entries} 0 turns the cache off.
 */
public record CacheBounds(int entries, long bytes) {
    /** Decisions a policy remembers by default. */
    public static final int DEFAULT_ENTRIES = 10_000;
    /** The heap a policy's remembered decisions may take by default: 64 MiB. */
    public static final long DEFAULT_BYTES = 64L * 1024 * 1024;
    public static final CacheBounds DEFAULT = new CacheBounds(DEFAULT_ENTRIES, DEFAULT_BYTES);

    public CacheBounds {
        if (entries < 0) {
            throw new IllegalArgumentException("the decision cache's entries must be 0 (off) or more, got " + entries);
        }
        if (bytes < 1) {
            throw new IllegalArgumentException("the decision cache's bytes must be positive, got " + bytes);
        }
    }

    /** {@code entries} decisions, within the default bytes. */
    public static CacheBounds ofEntries(int entries) {
        return new CacheBounds(entries, DEFAULT_BYTES);
    }
}
