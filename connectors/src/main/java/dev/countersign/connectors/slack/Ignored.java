package dev.countersign.connectors.slack;

/**
 * An authentic request that is not a vote: an unknown {@code action_id}, a payload type not handled
 * (a closed modal, a shortcut), a payload that cannot be read. Answer 200; where Slack gave a
 * {@code responseUrl} the clicker can be told why privately.
 *
 * @param reason      what it was, in words
 * @param responseUrl where to answer the clicker, or null
 */
public record Ignored(String reason, String responseUrl) implements SlackInteraction {
}
