package dev.countersign.cluster.approval;

import java.util.Locale;

/** Where an approval stands. Every status but {@code PENDING} is final. */
public enum ApprovalStatus {
    PENDING, APPROVED, DENIED, EXPIRED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ApprovalStatus fromWire(String value) {
        for (ApprovalStatus s : values()) {
            if (s.wireName().equals(value)) {
                return s;
            }
        }
        return null;
    }

    public boolean isFinal() {
        return this != PENDING;
    }
}
