package dev.countersign.pdp.decision;

import java.util.Map;

/** Where decision and approval events are appended for auditors; appending never blocks. */
@FunctionalInterface
public interface AuditTrail {
    void append(Map<String, Object> record);
}
