package dev.countersign.connectors;

/**
 * Whether a connector can reach its platform with its credentials, and what it found (for Slack the
 * workspace and bot user {@code auth.test} names), or why not. Never carries a credential.
 */
public record Health(boolean up, String detail) {
    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
