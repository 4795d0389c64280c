package dev.countersign.connectors;

import java.util.Objects;

/**
 * A credential (a bot token, a signing secret, a webhook secret) that must never reach a log, an
 * exception message or a {@code toString}: it prints as {@code (secret)}, and only {@link #reveal()}
 * gives the value, at the one place it is put on the wire or into a MAC.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Wraps {@code value}, which must not be empty. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "a secret is required");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a secret may not be empty");
        }
        return new Secret(value);
    }

    /** The value itself: for the wire or a MAC only. */
    public String reveal() {
        return value;
    }

    /** Whether {@code text} contains this secret (for tests and for scrubbing foreign messages). */
    public boolean appearsIn(String text) {
        return text != null && text.contains(value);
    }

    @Override
    public String toString() {
        return "(secret)";
    }
}
