package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.onEventLoop;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/** Bare HTTP calls to a {@link FakeSlack}, for the fake's own tests: Slack's answers as they are, no connector in between. */
final class RawSlackCalls {
    static final String JSON = "application/json; charset=utf-8";
    static final String FORM = "application/x-www-form-urlencoded";

    /** An answer: its status and its JSON (an empty object when it is not JSON). */
    record Reply(int status, JsonNode json) {
        /** Slack's error code, or null when ok. */
        String error() {
            return json.path("ok").asBoolean() ? null : json.path("error").asText();
        }
    }

    private final Vertx vertx;
    private final FakeSlack slack;
    private final HttpClient client;

    RawSlackCalls(Vertx vertx, FakeSlack slack) {
        this.vertx = vertx;
        this.slack = slack;
        this.client = vertx.createHttpClient();
    }

    /** {@code httpMethod} of {@code pathAndQuery} with {@code body} of {@code contentType} (each may be null) and {@code token} as bearer (null: none). */
    Reply call(String httpMethod, String pathAndQuery, String contentType, String body, String token) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(httpMethod))
                .setAbsoluteURI("http://127.0.0.1:" + slack.port() + pathAndQuery);
        if (contentType != null) {
            options.putHeader("Content-Type", contentType);
        }
        if (token != null) {
            options.putHeader("Authorization", "Bearer " + token);
        }
        Future<Reply> reply = onEventLoop(vertx, () -> client.request(options).compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(b -> {
                    JsonNode json;
                    try {
                        json = FakeSlack.JSON.readTree(b.getBytes());
                    } catch (Exception e) {
                        json = null;
                    }
                    return new Reply(response.statusCode(), json == null ? FakeSlack.JSON.createObjectNode() : json);
                })));
        return await(reply);
    }

    /** {@code method} POSTed as JSON with the bot token. */
    Reply post(String method, String json) {
        return call("POST", "/api/" + method, JSON, json, FakeSlack.BOT_TOKEN);
    }

    /** {@code method} as a GET with {@code query} (already encoded) and the bot token. */
    Reply get(String method, String query) {
        return call("GET", "/api/" + method + "?" + query, null, null, FakeSlack.BOT_TOKEN);
    }

    Future<Void> close() {
        return client.close();
    }
}
