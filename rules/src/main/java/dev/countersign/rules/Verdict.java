package dev.countersign.rules;

import java.util.Locale;

/** The answer to one action, in order of precedence: deny overrides needs_approval overrides allow. */
public enum Verdict {
    ALLOW, NEEDS_APPROVAL, DENY;

    /** The wire form: {@code allow}, {@code needs_approval}, {@code deny}. */
    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /** Parses the wire form; null when {@code value} is not one. */
    public static Verdict fromWire(String value) {
        if (value == null) {
            return null;
        }
        for (Verdict v : values()) {
            if (v.wireName().equals(value)) {
                return v;
            }
        }
        return null;
    }

    /** The verdict that wins when both are present. */
    public Verdict strongest(Verdict other) {
        return other == null || compareTo(other) >= 0 ? this : other;
    }

    @Override
    public String toString() {
        return wireName();
    }
}
