package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A request {@link FakeBotConnector} received, and how it answered.
 *
 * @param at           when it arrived
 * @param operation    what it asked for, or null when it matched no operation
 * @param httpMethod   GET, POST, PUT…
 * @param rawPath      the path as sent, percent-encoding and all
 * @param conversation the conversation id in the path, decoded (null for {@code v3/conversations})
 * @param activityId   the activity id in the path, decoded (null when none)
 * @param contentType  the Content-Type header as sent (null if none)
 * @param token        the bearer token sent (null if none)
 * @param tokenValid   whether that token was issued by the fake token endpoint and had not expired
 * @param json         the JSON body (null when the body is not JSON)
 * @param status       the HTTP status answered (0 while unanswered or when the answer was lost)
 * @param code         the error code answered, or null
 */
public record BotConnectorRequest(Instant at, Operation operation, String httpMethod, String rawPath, String conversation, String activityId,
                                  String contentType, String token, boolean tokenValid, JsonNode json, int status, String code) {
    /** The Bot Connector operations the fake serves. */
    public enum Operation {
        /** {@code POST v3/conversations}: a channel thread or a personal chat. */
        CREATE_CONVERSATION,
        /** {@code POST v3/conversations/{id}/activities}. */
        SEND,
        /** {@code POST v3/conversations/{id}/activities/{activityId}}. */
        REPLY,
        /** {@code PUT v3/conversations/{id}/activities/{activityId}}. */
        UPDATE
    }

    BotConnectorRequest answered(int httpStatus, String errorCode) {
        return new BotConnectorRequest(at, operation, httpMethod, rawPath, conversation, activityId, contentType, token, tokenValid, json,
                httpStatus, errorCode);
    }
}
