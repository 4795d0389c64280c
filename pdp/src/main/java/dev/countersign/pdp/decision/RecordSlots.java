package dev.countersign.pdp.decision;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The records a node holds, as slots of parallel arrays found through an open-addressing index on
 * their ids: no object per record. A node holds up to {@code decisions.max_records} records for
 * seconds to hours; with an entry, a key and a map node each, every young collection would copy
 * them again until they are old (a G1 survivor ages fifteen times), tens of milliseconds of pause a
 * second under load. Ids and serialised records are kept in a {@link RecordArena}.
 *
 * <p>Each slot is in one of two expiry orders (the first to expire first, ties the first kept): a
 * queue for those kept in expiry order (a node's own records, as a rule) and a heap for the others.
 * Not thread-safe: its owner serialises access.
 */
final class RecordSlots {
    private final RecordArena arena = new RecordArena();

    private int capacity;
    private boolean[] used = new boolean[0];
    private String[] origin = new String[0];
    private long[] expiresAt = new long[0];
    private long[] seq = new long[0];
    private Object[] map = new Object[0];
    private byte[][] json = new byte[0][];
    private int[] jsonOffset = new int[0];
    private int[] jsonLength = new int[0];
    private byte[][] id = new byte[0][];
    private int[] idOffset = new int[0];
    private int[] idLength = new int[0];
    private int[] hash = new int[0];
    private int[] free = new int[0];
    private int freeCount;
    private int next;
    private int size;

    /** Slot + 1 of each id, by its hash; 0 is an empty bucket. Kept under half full. */
    private int[] table = new int[16];

    /** The queue of slots in expiry order: a ring. */
    private int[] queue = new int[16];
    private int queueHead;
    private int queueSize;

    /** The heap of the other slots, the first to expire on top. */
    private int[] heap = new int[16];
    private int heapSize;

    int size() {
        return size;
    }

    /** The slot holding {@code decisionId}, or -1. */
    int find(String decisionId) {
        byte[] key = decisionId.getBytes(StandardCharsets.UTF_8);
        int h = hashOf(key, 0, key.length);
        int mask = table.length - 1;
        for (int i = h & mask; table[i] != 0; i = (i + 1) & mask) {
            int s = table[i] - 1;
            if (hash[s] == h && Arrays.equals(id[s], idOffset[s], idOffset[s] + idLength[s], key, 0, key.length)) {
                return s;
            }
        }
        return -1;
    }

    /** A new slot for {@code decisionId} (which it does not hold), placed in its expiry order. */
    int add(String decisionId, long expires, long sequence, Object record, String from) {
        int s = allocate();
        byte[] key = decisionId.getBytes(StandardCharsets.UTF_8);
        arena.keep(key);
        id[s] = arena.chunk();
        idOffset[s] = arena.offset();
        idLength[s] = key.length;
        hash[s] = hashOf(key, 0, key.length);
        expiresAt[s] = expires;
        seq[s] = sequence;
        origin[s] = from;
        used[s] = true;
        setRecord(s, record);
        insertIndex(s);
        int last = queueSize == 0 ? -1 : queue[(queueHead + queueSize - 1) & (queue.length - 1)];
        if (last < 0 || compare(last, s) <= 0) {
            queuePush(s);
        } else {
            heapPush(s);
        }
        size++;
        return s;
    }

    /** Keeps {@code record} in slot {@code s}: a map as it is, serialised JSON (a byte array) in the arena. */
    void setRecord(int s, Object record) {
        if (record instanceof byte[] bytes) {
            arena.keep(bytes);
            json[s] = arena.chunk();
            jsonOffset[s] = arena.offset();
            jsonLength[s] = bytes.length;
            map[s] = null;
        } else {
            map[s] = record;
            json[s] = null;
        }
    }

    /** The record of slot {@code s}: its map, or a {@link RecordArena.Slice} of its JSON. */
    Object record(int s) {
        return json[s] != null ? new RecordArena.Slice(json[s], jsonOffset[s], jsonLength[s]) : map[s];
    }

    /** The record's JSON, copied, or null when it is not serialised yet. */
    byte[] jsonCopy(int s) {
        return json[s] == null ? null : Arrays.copyOfRange(json[s], jsonOffset[s], jsonOffset[s] + jsonLength[s]);
    }

    String decisionId(int s) {
        return new String(id[s], idOffset[s], idLength[s], StandardCharsets.UTF_8);
    }

    long expiresAt(int s) {
        return expiresAt[s];
    }

    String origin(int s) {
        return origin[s];
    }

    void setOrigin(int s, String from) {
        origin[s] = from;
    }

    /** One past the highest slot ever used: iterate {@code 0..limit()} and skip the {@link #used unused}. */
    int limit() {
        return next;
    }

    boolean used(int s) {
        return used[s];
    }

    /** The slot to expire first, or -1 when none is held. */
    int first() {
        int a = queueSize == 0 ? -1 : queue[queueHead];
        int b = heapSize == 0 ? -1 : heap[0];
        return a < 0 ? b : b < 0 || compare(a, b) <= 0 ? a : b;
    }

    /** Removes slot {@code s} from the index and its order, and frees it. */
    void remove(int s) {
        removeIndex(s);
        if (queueSize > 0 && queue[queueHead] == s) {
            queueHead = (queueHead + 1) & (queue.length - 1);
            queueSize--;
        } else if (heapSize > 0 && heap[0] == s) {
            heapRemoveAt(0);
        } else if (!queueRemove(s)) {
            heapRemove(s);
        }
        used[s] = false;
        origin[s] = null;
        map[s] = null;
        json[s] = null;
        id[s] = null;
        free[freeCount++] = s;
        size--;
    }

    private int compare(int a, int b) {
        return expiresAt[a] != expiresAt[b] ? Long.compare(expiresAt[a], expiresAt[b]) : Long.compare(seq[a], seq[b]);
    }

    private static int hashOf(byte[] bytes, int offset, int length) {
        int h = 1;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h ^ (h >>> 16) ^ (h * 0x9E3779B9);
    }

    private int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (next == capacity) {
            grow();
        }
        return next++;
    }

    private void grow() {
        int n = Math.max(16, capacity * 2);
        used = Arrays.copyOf(used, n);
        origin = Arrays.copyOf(origin, n);
        expiresAt = Arrays.copyOf(expiresAt, n);
        seq = Arrays.copyOf(seq, n);
        map = Arrays.copyOf(map, n);
        json = Arrays.copyOf(json, n);
        jsonOffset = Arrays.copyOf(jsonOffset, n);
        jsonLength = Arrays.copyOf(jsonLength, n);
        id = Arrays.copyOf(id, n);
        idOffset = Arrays.copyOf(idOffset, n);
        idLength = Arrays.copyOf(idLength, n);
        hash = Arrays.copyOf(hash, n);
        free = Arrays.copyOf(free, n);
        capacity = n;
    }

    private void insertIndex(int s) {
        if ((size + 1) * 2 > table.length) {
            int[] old = table;
            table = new int[old.length * 2];
            for (int v : old) {
                if (v != 0) {
                    place(v - 1);
                }
            }
        }
        place(s);
    }

    private void place(int s) {
        int mask = table.length - 1;
        int i = hash[s] & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = s + 1;
    }

    /** Linear probing's deletion: later entries of the probe run move back over the freed bucket. */
    private void removeIndex(int s) {
        int mask = table.length - 1;
        int i = hash[s] & mask;
        while (table[i] != s + 1) {
            i = (i + 1) & mask;
        }
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (table[j] == 0) {
                break;
            }
            int home = hash[table[j] - 1] & mask;
            boolean between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!between) {
                table[i] = table[j];
                i = j;
            }
        }
        table[i] = 0;
    }

    private void queuePush(int s) {
        if (queueSize == queue.length) {
            int[] grown = new int[queue.length * 2];
            for (int k = 0; k < queueSize; k++) {
                grown[k] = queue[(queueHead + k) & (queue.length - 1)];
            }
            queue = grown;
            queueHead = 0;
        }
        queue[(queueHead + queueSize) & (queue.length - 1)] = s;
        queueSize++;
    }

    /** Removes {@code s} from anywhere in the queue (not the common path: eviction takes the first). */
    private boolean queueRemove(int s) {
        int mask = queue.length - 1;
        for (int k = 0; k < queueSize; k++) {
            if (queue[(queueHead + k) & mask] == s) {
                for (int m = k; m < queueSize - 1; m++) {
                    queue[(queueHead + m) & mask] = queue[(queueHead + m + 1) & mask];
                }
                queueSize--;
                return true;
            }
        }
        return false;
    }

    private void heapPush(int s) {
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heap.length * 2);
        }
        heap[heapSize] = s;
        siftUp(heapSize++);
    }

    private void heapRemove(int s) {
        for (int k = 0; k < heapSize; k++) {
            if (heap[k] == s) {
                heapRemoveAt(k);
                return;
            }
        }
    }

    private void heapRemoveAt(int k) {
        heap[k] = heap[--heapSize];
        if (k < heapSize) {
            siftDown(k);
            siftUp(k);
        }
    }

    private void siftUp(int k) {
        while (k > 0) {
            int parent = (k - 1) / 2;
            if (compare(heap[k], heap[parent]) >= 0) {
                return;
            }
            swap(k, parent);
            k = parent;
        }
    }

    private void siftDown(int k) {
        while (true) {
            int l = 2 * k + 1;
            int r = l + 1;
            int least = k;
            if (l < heapSize && compare(heap[l], heap[least]) < 0) {
                least = l;
            }
            if (r < heapSize && compare(heap[r], heap[least]) < 0) {
                least = r;
            }
            if (least == k) {
                return;
            }
            swap(k, least);
            k = least;
        }
    }

    private void swap(int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    }
}
