package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The bot a token is, as {@code auth.test} names it: its workspace ({@code team_id}, {@code team}),
 * its bot user ({@code user_id}) and its bot id ({@code bot_id}, absent for a token that is not a
 * bot's).
 */
record SlackBot(String teamId, String team, String userId, String botId) {

    /** The bot an {@code auth.test} answer names, or null when it names no workspace and user. */
    static SlackBot of(JsonNode authTest) {
        String teamId = authTest.path("team_id").textValue();
        String userId = authTest.path("user_id").textValue();
        if (!SlackIds.isTeam(teamId) || !SlackIds.isUser(userId)) {
            return null;
        }
        String botId = authTest.path("bot_id").textValue();
        return new SlackBot(teamId, authTest.path("team").textValue(), userId, botId == null || botId.isEmpty() ? null : botId);
    }

    /**
     * Whether this bot posted {@code message} (as history shows it): a message carrying a
     * {@code bot_id} is this bot's when it is this bot's id (and its {@code user}, if any, this bot
     * user); one without is when its {@code user} is this bot user.
     */
    boolean posted(JsonNode message) {
        String bot = message.path("bot_id").textValue();
        String user = message.path("user").textValue();
        if (bot != null) {
            return bot.equals(botId) && (user == null || user.equals(userId));
        }
        return userId.equals(user);
    }
}
