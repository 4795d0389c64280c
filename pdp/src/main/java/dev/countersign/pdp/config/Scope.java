package dev.countersign.pdp.config;

import java.util.Locale;

/** What a client may do: ask for decisions, vote on approvals, administer the server. */
public enum Scope {
    DECIDE, REVIEW, ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope fromWire(String value) {
        for (Scope s : values()) {
            if (s.wireName().equals(value)) {
                return s;
            }
        }
        return null;
    }
}
