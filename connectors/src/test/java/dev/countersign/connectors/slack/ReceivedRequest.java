package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/**
 * A request {@link FakeSlack} received, and how it answered.
 *
 * @param at          when it arrived
 * @param method      the Web API method ({@code chat.postMessage}), or {@code response_url}
 * @param httpMethod  GET or POST
 * @param contentType the Content-Type header as sent (null if none)
 * @param bearer      whether an {@code Authorization: Bearer} header came with it
 * @param tokenMatched whether the token it carried (header or form) was the bot token
 * @param json        the JSON body (null unless JSON)
 * @param params      the query or form parameters (empty unless form or GET)
 * @param status      the HTTP status answered (0 while unanswered)
 * @param error       the Slack error code answered, or null for ok
 */
public record ReceivedRequest(Instant at, String method, String httpMethod, String contentType, boolean bearer, boolean tokenMatched,
                              JsonNode json, Map<String, String> params, int status, String error) {
    /** The channel it names, from JSON or parameters, or null. */
    public String channel() {
        if (json != null && json.path("channel").isTextual()) {
            return json.path("channel").textValue();
        }
        return params.get("channel");
    }

    ReceivedRequest answered(int httpStatus, String code) {
        return new ReceivedRequest(at, method, httpMethod, contentType, bearer, tokenMatched, json, params, httpStatus, code);
    }
}
