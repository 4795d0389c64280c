package dev.countersign.pdp.decision;

/**
 * Where the serialised decision records a node holds are kept: appended into large shared byte
 * arrays rather than one small array per record. A node holds up to {@code decisions.max_records}
 * records for seconds to hours, so one array each would be hundreds of thousands of objects that
 * every young collection copies while they age (tens of milliseconds of pause a second under load);
 * a chunk of about a megabyte is, for the collector, one object, allocated outside the young
 * generation on a default heap.
 *
 * <p>A chunk is never written again once full and is freed by the collector when nothing refers to
 * it any more: records expire about in the order they are kept, so chunks empty in order
 * too. Not thread-safe: its owner serialises access.
 */
final class RecordArena {
    /**
     * Just under 1 MiB, so that with the array header it fits one G1 region of 1 MiB (a heap of up
     * to 2 GiB), where it is a humongous object: never copied.
     */
    static final int CHUNK_BYTES = (1 << 20) - 64;
    /** A record at least this large gets an array of its own instead of a chunk's tail. */
    private static final int OWN_ARRAY_FROM = CHUNK_BYTES / 4;

    /** A record's bytes: {@code length} bytes at {@code offset} of {@code chunk}. */
    record Slice(byte[] chunk, int offset, int length) {
    }

    private byte[] current;
    private int used;
    private byte[] lastChunk;
    private int lastOffset;

    /** Keeps a copy of {@code bytes} here; {@link #chunk()} and {@link #offset()} then say where. */
    void keep(byte[] bytes) {
        int n = bytes.length;
        if (n >= OWN_ARRAY_FROM) {
            lastChunk = bytes.clone();
            lastOffset = 0;
            return;
        }
        if (current == null || CHUNK_BYTES - used < n) {
            current = new byte[CHUNK_BYTES];
            used = 0;
        }
        System.arraycopy(bytes, 0, current, used, n);
        lastChunk = current;
        lastOffset = used;
        used += n;
    }

    /** The array the last kept bytes are in. */
    byte[] chunk() {
        return lastChunk;
    }

    /** Where in {@link #chunk()} they start. */
    int offset() {
        return lastOffset;
    }
}
