package dev.countersign.connectors.slack;

/**
 * A Slack user as {@code users.info} describes them. {@code email} is null unless the app has
 * {@code users:read.email} and the user has one (bots have none); it is the address Slack verified
 * for the account in its workspace, {@code teamId}: a user of another organisation, seen in a
 * shared channel, has their own workspace's id.
 */
public record SlackUser(String id, String teamId, String name, String email, boolean deleted, boolean bot) {
}
