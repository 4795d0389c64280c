package dev.countersign.connectors.slack;

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
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Calls to Slack's Web API, and answers to a click's {@code response_url}, with Slack's quirks
 * turned into {@link ConnectorFailure}s:
 * <ul>
 *   <li>a method taking JSON ({@code chat.*}, {@code views.*}, {@code auth.test}) is POSTed with
 *       {@code Content-Type: application/json; charset=utf-8} and the token as
 *       {@code Authorization: Bearer}; a read method ({@code users.*}, {@code conversations.history})
 *       is a GET with query parameters (Slack ignores JSON bodies there), the token still only in
 *       the header;</li>
 *   <li>errors arrive as HTTP 200 {@code {"ok":false,"error":"<code>"}}: permanent, except
 *       Slack's server-side codes ({@value #TRANSIENT_CODES_DOC}), which are transient; an unknown
 *       code is permanent, so a misconfiguration never becomes a retry storm;</li>
 *   <li>429 is rate limiting: {@code Retry-After} seconds (30 s if absent or unreadable);</li>
 *   <li>a 5xx, a connection that fails or times out, an answer that is not JSON or too long:
 *       transient.</li>
 * </ul>
 * Nothing is retried here.
 */
final class SlackWebApi {
    static final String TRANSIENT_CODES_DOC = "internal_error, fatal_error, service_unavailable, request_timeout";
    private static final Set<String> TRANSIENT_CODES = Set.of("internal_error", "fatal_error", "service_unavailable",
            "request_timeout", "team_added_to_org");
    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(30);
    private static final Pattern CODE = Pattern.compile("[a-z0-9_.]{1,80}");
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");
    private static final String RESPONSE_HOST = "hooks.slack.com";
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Vertx vertx;
    private final SlackSettings settings;
    private final URI base;
    private final HttpClient client;

    SlackWebApi(Vertx vertx, SlackSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
        this.base = URI.create(settings.baseUrl());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                .setIdleTimeout(30)
                .setForceSni(true)
                .setVerifyHost(true));
    }

    /** POSTs {@code args} as JSON to {@code method}; the answer's JSON when {@code ok} is true. */
    Future<JsonNode> post(String method, ObjectNode args, String about) {
        byte[] body;
        try {
            body = MAPPER.writeValueAsBytes(args);
        } catch (IOException e) {
            return Future.failedFuture(ConnectorFailure.permanent("invalid_arguments", "could not write " + method + " as JSON"));
        }
        RequestOptions request = request(HttpMethod.POST, settings.baseUrl() + "/" + method)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Authorization", "Bearer " + settings.botToken().reveal());
        return call(method, request, Buffer.buffer(body), about);
    }

    /** GETs {@code method} with {@code query} as its parameters; the answer's JSON when {@code ok} is true. */
    Future<JsonNode> get(String method, Map<String, String> query, String about) {
        StringJoiner params = new StringJoiner("&", "?", "");
        params.setEmptyValue("");
        query.forEach((k, v) -> params.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        RequestOptions request = request(HttpMethod.GET, settings.baseUrl() + "/" + method + params)
                .putHeader("Authorization", "Bearer " + settings.botToken().reveal());
        return call(method, request, null, about);
    }

    /**
     * POSTs {@code body} as JSON to a click's {@code response_url}, without the token (the URL is its
     * own credential). The URL must be Slack's ({@code https://hooks.slack.com/…}) or on the host of
     * the configured base URL (a fake in tests): a response_url comes in a payload, and a request to
     * an arbitrary URL from a payload is never made.
     */
    Future<Void> respond(String responseUrl, ObjectNode body) {
        String problem = responseUrlProblem(responseUrl);
        if (problem != null) {
            return Future.failedFuture(new IllegalArgumentException(problem));
        }
        RequestOptions request = request(HttpMethod.POST, responseUrl).putHeader("Content-Type", "application/json; charset=utf-8");
        return Exchange.send(vertx, client, request, Buffer.buffer(body.toString()), settings.timeout(), 64 * 1024)
                .recover(e -> Future.failedFuture(unreachable("response_url", e)))
                .compose(answer -> {
                    int status = answer.status();
                    if (status / 100 == 2) {
                        return Future.succeededFuture();
                    }
                    if (status == 429) {
                        return Future.failedFuture(ConnectorFailure.rateLimited("ratelimited", retryAfter(answer.headers().get("Retry-After")),
                                "Slack rate-limited the response_url"));
                    }
                    if (status / 100 == 5) {
                        return Future.failedFuture(ConnectorFailure.transientFailure("http_" + status, "Slack's response_url answered " + status));
                    }
                    return Future.failedFuture(ConnectorFailure.permanent(status == 404 ? "expired_url" : "http_" + status,
                            "Slack's response_url answered " + status + " (it is usable 5 times in 30 minutes)"));
                });
    }

    /** Why {@code url} may not be answered to, or null when it may. */
    String responseUrlProblem(String url) {
        if (url == null) {
            return "the click carries no response_url";
        }
        try {
            URI uri = new URI(url);
            boolean slack = "https".equals(uri.getScheme()) && RESPONSE_HOST.equalsIgnoreCase(uri.getHost())
                    && (uri.getPort() == -1 || uri.getPort() == 443);
            boolean configured = base.getScheme().equals(uri.getScheme()) && base.getHost().equalsIgnoreCase(uri.getHost())
                    && base.getPort() == uri.getPort();
            if ((slack || configured) && uri.getRawUserInfo() == null) {
                return null;
            }
        } catch (Exception e) {
            // not a URL: refused below
        }
        return "a response_url must be https://" + RESPONSE_HOST + "/…; this one is not Slack's and is not answered";
    }

    Future<Void> close() {
        return client.close();
    }

    private RequestOptions request(HttpMethod method, String url) {
        return new RequestOptions().setMethod(method).setAbsoluteURI(url).setFollowRedirects(false)
                .putHeader("User-Agent", "countersign-slack").putHeader("Accept", "application/json");
    }

    private Future<JsonNode> call(String method, RequestOptions request, Buffer body, String about) {
        return Exchange.send(vertx, client, request, body, settings.timeout(), settings.maxAnswerBytes())
                .recover(e -> Future.failedFuture(unreachable(method, e)))
                .compose(answer -> read(method, about, answer));
    }

    private Future<JsonNode> read(String method, String about, Exchange.Answer answer) {
        String what = method + (about == null ? "" : " " + about);
        int status = answer.status();
        if (status == 429) {
            return Future.failedFuture(ConnectorFailure.rateLimited("ratelimited", retryAfter(answer.headers().get("Retry-After")),
                    "Slack rate-limited " + what));
        }
        if (status / 100 == 5) {
            return Future.failedFuture(ConnectorFailure.transientFailure("http_" + status, "Slack answered " + what + " with " + status));
        }
        if (status != 200) {
            return Future.failedFuture(ConnectorFailure.permanent("http_" + status, "Slack answered " + what + " with " + status));
        }
        if (answer.cut()) {
            return Future.failedFuture(ConnectorFailure.transientFailure("answer_too_large",
                    "Slack's answer to " + what + " was longer than " + settings.maxAnswerBytes() + " bytes or did not end"));
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(answer.body().getBytes());
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject() || !json.path("ok").isBoolean()) {
            return Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer", "Slack's answer to " + what + " is not Slack's JSON"));
        }
        if (json.path("ok").booleanValue()) {
            return Future.succeededFuture(json);
        }
        String code = json.path("error").asText("");
        code = CODE.matcher(code).matches() ? code : "unknown_error";
        String message = scrubbed("Slack refused " + what + ": " + code + details(json));
        if ("ratelimited".equals(code)) {
            return Future.failedFuture(ConnectorFailure.rateLimited(code, retryAfter(answer.headers().get("Retry-After")), message));
        }
        return Future.failedFuture(TRANSIENT_CODES.contains(code)
                ? ConnectorFailure.transientFailure(code, message)
                : ConnectorFailure.permanent(code, message));
    }

    /** What Slack adds to an error: the scope needed, the problems with the blocks. */
    private static String details(JsonNode json) {
        List<String> parts = new ArrayList<>();
        if (json.path("needed").isTextual()) {
            parts.add("needed " + json.path("needed").textValue());
        }
        for (JsonNode m : json.path("response_metadata").path("messages")) {
            if (m.isTextual() && parts.size() < 5) {
                parts.add(m.textValue());
            }
        }
        if (parts.isEmpty()) {
            return "";
        }
        String joined = String.join("; ", parts).replaceAll("\\p{Cntrl}", " ");
        return " (" + (joined.length() > 500 ? joined.substring(0, 499) + "…" : joined) + ")";
    }

    /** {@code message} with the token removed, should a foreign server have echoed it. */
    private String scrubbed(String message) {
        return message.replace(settings.botToken().reveal(), "(token)");
    }

    private ConnectorFailure unreachable(String method, Throwable e) {
        boolean timedOut = e instanceof Exchange.Failed f && f.timedOut();
        return ConnectorFailure.transientFailure(timedOut ? "timeout" : "unreachable",
                "Slack " + method + " got no answer: " + Exchange.describe(e));
    }

    /** Retry-After in seconds (Slack's form); 30 s when absent or not a number of seconds. */
    static Duration retryAfter(String header) {
        if (header == null || !SECONDS.matcher(header.trim()).matches()) {
            return DEFAULT_RETRY_AFTER;
        }
        return Duration.ofSeconds(Math.max(1, Long.parseLong(header.trim())));
    }
}
