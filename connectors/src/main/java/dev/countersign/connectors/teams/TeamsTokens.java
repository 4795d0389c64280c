package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.http.Exchange;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The bot's Bot Framework access token, from the OAuth 2.0 client-credentials grant:
 * {@code POST} to the tenant's token endpoint a form of {@code grant_type=client_credentials},
 * {@code client_id}, {@code client_secret} and {@code scope=}{@value TeamsSettings#SCOPE}; the
 * answer's {@code access_token} lives {@code expires_in} seconds.
 *
 * <p>A token is kept and handed out until less than {@link #margin(Duration) its margin} remains — a
 * tenth of its lifetime, at most 5 minutes — and is then fetched again. At most one fetch is in flight
 * at a time: callers that ask meanwhile share it. A failed fetch is not kept (the next caller tries
 * again), but while the kept token is still valid for {@value #STILL_USABLE_SECONDS} s it is handed
 * out instead of the failure. {@link #invalidate} drops a token the Bot Connector refused.
 *
 * <p>The token endpoint's refusals ({@code invalid_client}, {@code unauthorized_client},
 * {@code invalid_scope}…, any 4xx but 429) are permanent failures carrying its {@code error} code;
 * 429 is rate limiting ({@code Retry-After}, else transient); a 5xx, an answer that is not a token, a
 * connection that fails or times out are transient. No message carries the client secret or a token.
 */
final class TeamsTokens {
    static final long STILL_USABLE_SECONDS = 60;
    private static final Duration MAX_MARGIN = Duration.ofMinutes(5);
    private static final Pattern CODE = Pattern.compile("[a-z0-9_]{1,80}");
    private static final Pattern AADSTS = Pattern.compile("AADSTS[0-9]{1,10}");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A token, when it expires, and from when a new one is fetched. */
    record Token(String value, Instant expiresAt, Instant refreshAt) {
        @Override
        public String toString() {
            return "Token[expiresAt=" + expiresAt + "]";
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final TeamsSettings settings;
    private Token kept;
    private Future<Token> fetching;

    TeamsTokens(Vertx vertx, HttpClient client, TeamsSettings settings) {
        this.vertx = vertx;
        this.client = client;
        this.settings = settings;
    }

    /** A token to send now: the kept one while fresh, else the one being fetched, else a new fetch. */
    synchronized Future<String> token() {
        if (kept != null && settings.clock().instant().isBefore(kept.refreshAt())) {
            return Future.succeededFuture(kept.value());
        }
        Future<Token> shared = fetching;
        if (shared == null) {
            Token stale = kept;
            Promise<Token> fetched = Promise.promise();
            shared = fetched.future();
            fetching = shared;
            fetch().onComplete(done -> {
                synchronized (this) {
                    if (done.succeeded()) {
                        kept = done.result();
                    }
                    fetching = null;
                }
                if (done.succeeded()) {
                    fetched.complete(done.result());
                } else if (stale != null && settings.clock().instant().isBefore(stale.expiresAt().minusSeconds(STILL_USABLE_SECONDS))) {
                    fetched.complete(stale);
                } else {
                    fetched.fail(done.cause());
                }
            });
        }
        return shared.map(Token::value);
    }

    /** Drops {@code value} if it is the kept token, so the next call fetches a new one; a newer token is kept. */
    synchronized void invalidate(String value) {
        if (kept != null && kept.value().equals(value)) {
            kept = null;
        }
    }

    /** How long before expiry a token of {@code lifetime} is fetched again: a tenth of it, at most 5 minutes. */
    static Duration margin(Duration lifetime) {
        Duration tenth = lifetime.dividedBy(10);
        return tenth.compareTo(MAX_MARGIN) > 0 ? MAX_MARGIN : tenth;
    }

    private Future<Token> fetch() {
        String form = "grant_type=client_credentials&client_id=" + encode(settings.appId()) + "&client_secret="
                + encode(settings.appPassword().reveal()) + "&scope=" + encode(TeamsSettings.SCOPE);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(settings.tokenEndpoint())
                .setFollowRedirects(false).putHeader("Content-Type", "application/x-www-form-urlencoded")
                .putHeader("Accept", "application/json").putHeader("User-Agent", "countersign-teams");
        Instant asked = settings.clock().instant();
        return Exchange.send(vertx, client, request, Buffer.buffer(form), settings.timeout(), 64 * 1024)
                .recover(e -> Future.failedFuture(unreachable(e)))
                .compose(answer -> read(answer, asked));
    }

    private Future<Token> read(Exchange.Answer answer, Instant asked) {
        int status = answer.status();
        JsonNode json = json(answer);
        if (status == 200) {
            String token = json == null ? null : json.path("access_token").textValue();
            long seconds = json == null ? -1 : seconds(json.path("expires_in"));
            if (answer.cut() || token == null || token.isEmpty() || seconds <= 0 || !"bearer".equalsIgnoreCase(json.path("token_type").asText("Bearer"))) {
                return Future.failedFuture(ConnectorFailure.transientFailure("invalid_token_answer",
                        "the token endpoint's answer carries no Bearer access_token and expires_in"));
            }
            Duration lifetime = Duration.ofSeconds(seconds);
            Instant expires = asked.plus(lifetime);
            return Future.succeededFuture(new Token(token, expires, expires.minus(margin(lifetime))));
        }
        String code = json == null ? "" : json.path("error").asText("");
        code = CODE.matcher(code).matches() ? code : "http_" + status;
        String detail = detail(json);
        if (status == 429) {
            Duration wait = BotConnectorApi.retryAfter(answer.headers().get("Retry-After"), settings.clock());
            String message = "the token endpoint rate-limited the token request" + detail;
            return Future.failedFuture(wait == null ? ConnectorFailure.transientFailure(code, message + "; back off")
                    : ConnectorFailure.rateLimited(code, wait, message));
        }
        if (status / 100 == 5) {
            return Future.failedFuture(ConnectorFailure.transientFailure(code, "the token endpoint answered " + status + detail));
        }
        return Future.failedFuture(ConnectorFailure.permanent(code, "the token endpoint refused app " + settings.appId() + " in tenant "
                + settings.tenantId() + " with " + status + " " + code + detail));
    }

    /** The AADSTS number of the endpoint's description ("AADSTS7000215"), which says what is wrong without quoting the request. */
    private String detail(JsonNode json) {
        if (json == null) {
            return "";
        }
        var m = AADSTS.matcher(scrubbed(json.path("error_description").asText("")));
        return m.find() ? " (" + m.group() + ")" : "";
    }

    private String scrubbed(String text) {
        return text.replace(settings.appPassword().reveal(), "(secret)");
    }

    private static JsonNode json(Exchange.Answer answer) {
        try {
            JsonNode json = MAPPER.readTree(answer.body().getBytes());
            return json != null && json.isObject() ? json : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code expires_in} as a number or a numeric string (both are seen); -1 when neither. */
    private static long seconds(JsonNode value) {
        if (value.isIntegralNumber()) {
            return value.longValue();
        }
        if (value.isTextual() && value.textValue().matches("[0-9]{1,9}")) {
            return Long.parseLong(value.textValue());
        }
        return -1;
    }

    private static ConnectorFailure unreachable(Throwable e) {
        boolean timedOut = e instanceof Exchange.Failed f && f.timedOut();
        return ConnectorFailure.transientFailure(timedOut ? "timeout" : "unreachable", "the token endpoint got no answer: " + Exchange.describe(e));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
