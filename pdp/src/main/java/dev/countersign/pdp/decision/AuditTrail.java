package dev.countersign.pdp.decision;

import java.util.Map;
import java.util.function.Consumer;

/** Where decision and approval events are appended for auditors; appending never blocks. */
public interface AuditTrail {
    void append(Map<String, Object> record);

    /**
     * Appends {@code record} and calls {@code serialized} with its compact JSON once it is written
     * as such (on another thread), so the caller can keep that form instead of the map.
     */
    void append(Map<String, Object> record, Consumer<byte[]> serialized);
}
