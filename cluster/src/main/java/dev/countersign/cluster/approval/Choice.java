package dev.countersign.cluster.approval;

import java.util.Locale;

/** What a reviewer says. */
public enum Choice {
    APPROVE, DENY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Choice fromWire(String value) {
        for (Choice c : values()) {
            if (c.wireName().equals(value)) {
                return c;
            }
        }
        return null;
    }
}
