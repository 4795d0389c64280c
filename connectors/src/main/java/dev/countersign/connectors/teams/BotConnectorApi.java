package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.http.Exchange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Calls to the Bot Connector ({@code {serviceUrl}v3/…}) with the bot's token, and its answers turned
 * into {@link ConnectorFailure}s:
 * <ul>
 *   <li>every call is JSON ({@code Content-Type: application/json; charset=utf-8}) with
 *       {@code Authorization: Bearer <token>} from {@link TeamsTokens};</li>
 *   <li>401: the token is dropped and the call made once more with a new one; a second 401 is
 *       permanent;</li>
 *   <li>429: rate limited for {@code Retry-After} (seconds or an HTTP date). <b>Without
 *       {@code Retry-After} it is transient</b>: Microsoft asks for exponential backoff with jitter
 *       then, which is what a caller does with a transient failure, while a made-up fixed wait
 *       would retry at that pace for as long as the limit lasts;</li>
 *   <li>412, 502, 504, every other 5xx, a connection that fails or times out, a 2xx answer longer
 *       than the bound: transient;</li>
 *   <li>403 (such as {@code MessageWritesBlocked}, {@code BotNotInConversationRoster}), 404 (the
 *       conversation or activity is gone, or the bot is not in it), 413 ({@code MessageSizeTooBig})
 *       and every other 4xx or 3xx (redirects are never followed): permanent.</li>
 * </ul>
 * A failure's code is the Bot Connector's {@code error.code} where it gave one, else
 * {@code http_<status>}; its message says which call, never the token or the app password. Nothing
 * is retried here but the one call after a 401.
 */
final class BotConnectorApi {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.]{1,80}");
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");

    private final Vertx vertx;
    private final TeamsSettings settings;
    private final HttpClient client;
    private final TeamsTokens tokens;

    BotConnectorApi(Vertx vertx, TeamsSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                .setIdleTimeout(30)
                .setForceSni(true)
                .setVerifyHost(true));
        this.tokens = new TeamsTokens(vertx, client, settings);
    }

    /** A token now (for a health check). */
    Future<String> token() {
        return tokens.token();
    }

    /**
     * {@code method} of {@code path} (after the service URL, such as {@code v3/conversations}) with
     * {@code body} as JSON; the answer's JSON (an empty object for an empty answer) when it is a 2xx.
     */
    Future<JsonNode> call(HttpMethod method, String path, ObjectNode body, String about) {
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            return Future.failedFuture(ConnectorFailure.permanent("invalid_arguments", "could not write " + about + " as JSON"));
        }
        Buffer payload = Buffer.buffer(bytes);
        return tokens.token().compose(token -> exchange(method, path, payload, token, about).compose(answer -> {
            if (answer.status() != 401) {
                return read(answer, about, false);
            }
            tokens.invalidate(token);
            return tokens.token().compose(fresh -> exchange(method, path, payload, fresh, about)).compose(again -> read(again, about, true));
        }));
    }

    Future<Void> close() {
        return client.close();
    }

    private Future<Exchange.Answer> exchange(HttpMethod method, String path, Buffer payload, String token, String about) {
        RequestOptions request = new RequestOptions().setMethod(method).setAbsoluteURI(settings.serviceUrl() + path).setFollowRedirects(false)
                .putHeader("Content-Type", "application/json; charset=utf-8").putHeader("Accept", "application/json")
                .putHeader("User-Agent", "countersign-teams").putHeader("Authorization", "Bearer " + token);
        return Exchange.send(vertx, client, request, payload, settings.timeout(), settings.maxAnswerBytes())
                .recover(e -> Future.failedFuture(unreachable(about, e)));
    }

    private Future<JsonNode> read(Exchange.Answer answer, String about, boolean retried) {
        int status = answer.status();
        JsonNode json = json(answer);
        if (status / 100 == 2) {
            if (answer.cut()) {
                return Future.failedFuture(ConnectorFailure.transientFailure("answer_too_large",
                        "the Bot Connector's answer to " + about + " was longer than " + settings.maxAnswerBytes() + " bytes or did not end"));
            }
            return Future.succeededFuture(json == null ? MAPPER.createObjectNode() : json);
        }
        JsonNode error = json == null ? null : json.path("error");
        String given = error == null ? null : error.path("code").textValue();
        String code = given != null && CODE.matcher(given).matches() ? given : "http_" + status;
        String message = "the Bot Connector answered " + about + " with " + status + (given == null ? "" : " " + code) + details(error);
        if (status == 401) {
            return Future.failedFuture(ConnectorFailure.permanent(code, message + (retried ? "; a new token was refused too"
                    + " (check the app id, its password and that the bot is registered for Teams)" : "")));
        }
        if (status == 429) {
            Duration wait = retryAfter(answer.headers().get("Retry-After"), settings.clock());
            return Future.failedFuture(wait == null ? ConnectorFailure.transientFailure(code, message + " without Retry-After; back off")
                    : ConnectorFailure.rateLimited(code, wait, message));
        }
        if (status == 412 || status / 100 == 5 || status < 200) {
            return Future.failedFuture(ConnectorFailure.transientFailure(code, message));
        }
        return Future.failedFuture(ConnectorFailure.permanent(code, message));
    }

    /** The Bot Connector's own message, on one line, at most 300 characters, without a credential. */
    private String details(JsonNode error) {
        String text = error == null ? null : error.path("message").textValue();
        if (text == null || text.isBlank()) {
            return "";
        }
        text = text.replace(settings.appPassword().reveal(), "(secret)").replaceAll("(?i)bearer\\s+\\S+", "Bearer (token)");
        return ": " + TeamsIds.shown(AdaptiveText.fit(AdaptiveText.clean(text, false), 300));
    }

    private static JsonNode json(Exchange.Answer answer) {
        if (answer.body().length() == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(answer.body().getBytes());
        } catch (IOException e) {
            return null;
        }
    }

    private static ConnectorFailure unreachable(String about, Throwable e) {
        boolean timedOut = e instanceof Exchange.Failed f && f.timedOut();
        return ConnectorFailure.transientFailure(timedOut ? "timeout" : "unreachable",
                "the Bot Connector got no answer to " + about + ": " + Exchange.describe(e));
    }

    /** {@code Retry-After} as whole seconds or an HTTP date, at least 1 s; null when absent or unreadable. */
    static Duration retryAfter(String header, Clock clock) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        if (SECONDS.matcher(value).matches()) {
            return Duration.ofSeconds(Math.max(1, Long.parseLong(value)));
        }
        try {
            Duration until = Duration.between(clock.instant(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
