package dev.countersign.connectors.slack;

/**
 * A request that cannot be shown to come from Slack now: a missing, malformed or wrong signature,
 * a timestamp more than five minutes away, or a request already received. Answer 401 and do
 * nothing else; {@code reason} is for the log (it quotes nothing of the request).
 */
public record Unauthentic(String reason) implements SlackInteraction {
}
