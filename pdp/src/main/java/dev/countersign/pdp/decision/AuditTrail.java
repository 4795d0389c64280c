package dev.countersign.pdp.decision;

import java.util.Map;
import java.util.function.Consumer;

/** Where decision and approval events are appended for auditors; appending never blocks. */
public interface AuditTrail {
    /** Queues {@code record}; answers false when it was dropped instead (counted by the log). */
    boolean append(Map<String, Object> record);

    /**
     * Appends {@code record} and calls {@code serialized} with its compact JSON once it is written
     * as such (on another thread), so the caller can keep that form instead of the map.
     */
    boolean append(Map<String, Object> record, Consumer<byte[]> serialized);

    /**
     * Whether a record appended now would be kept: the log is open, writing, and has room. A caller
     * that must not act without its record asks first, and is refused by {@code append} all the same
     * when the room ran out meanwhile.
     */
    boolean accepting();

    /**
     * A stage completed (on another thread) once every record queued before the call is written and
     * forced to the storage device, or failed when the log could not write them (they stay queued and
     * are retried): for a caller that acknowledges an event only once its record is kept.
     */
    java.util.concurrent.CompletionStage<Void> written();

    /**
     * Whether the log forces each batch of records to the storage device ({@code audit.fsync: per_batch}):
     * then a caller that answers for a record (a decision) waits on {@link #written()} first, so what
     * it answered survives a crash. False: records are forced within an interval, and callers answer at once.
     */
    default boolean forcesEachBatch() {
        return false;
    }
}
