package dev.countersign.connectors.teams;

/**
 * An authentic activity that asks nothing of the approval workflow: a conversation update, a plain
 * message, an invoke other than {@code adaptiveCard/action}, a submit that is not a card's vote.
 * Answer 200 with an empty body.
 *
 * @param type   the activity's {@code type}
 * @param reason what it was, in words safe to log
 */
public record IgnoredActivity(String type, String reason) implements TeamsInteraction {
}
