package dev.countersign.connectors;

import java.util.Locale;

/** What a reviewer chose: the two buttons of a card. */
public enum ReviewerChoice {
    APPROVE, DENY;

    /** {@code approve} or {@code deny}: the wire name, also the button's {@code action_id} in Slack. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The choice named {@code value} on the wire, or null for anything else. */
    public static ReviewerChoice fromWire(String value) {
        for (ReviewerChoice c : values()) {
            if (c.wireName().equals(value)) {
                return c;
            }
        }
        return null;
    }
}
