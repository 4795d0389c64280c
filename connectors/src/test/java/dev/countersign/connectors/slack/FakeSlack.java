package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake Slack Web API: a real HTTP server on 127.0.0.1 (an ephemeral port) that answers as Slack
 * does and enforces the wire details of the connectors' protocol notes (§1 and §3), failures
 * included. Point a connector at {@link #baseUrl()}.
 *
 * <p>It enforces: the bot token in {@code Authorization: Bearer} (or a form body; never the query):
 * {@code not_authed} without, {@code invalid_auth} when wrong, {@code token_revoked} after
 * {@link #revokeToken()}, {@code missing_scope} for a scope not granted ({@link #scopes}); JSON
 * bodies for {@code chat.*} and {@code views.open} ({@code missing_post_type},
 * {@code invalid_post_type} for a form, {@code invalid_charset}, {@code invalid_json},
 * {@code json_not_object}; a JSON body without {@code charset=utf-8} gets the warning
 * {@code missing_charset}); query or form arguments for {@code users.*} and
 * {@code conversations.history} ({@code invalid_arguments} for JSON; the history as
 * {@link FakeSlackHistory} describes); message metadata by {@link MessageMetadataRules}, kept with
 * the message and through updates that carry none; {@code channel} required
 * ({@code channel_not_found}), an id for {@code chat.update};
 * {@code is_archived}, {@code not_in_channel}; {@code no_text}; {@code msg_too_long} past 40,000
 * characters; Block Kit limits ({@link BlockKitRules}) → {@code invalid_blocks} with Slack-like
 * messages; increasing string {@code ts} per channel; {@code thread_ts} must be a message of the
 * channel ({@code thread_not_found}); updates only of the bot's own messages
 * ({@code message_not_found}, {@code cant_update_message}); {@code views.open} only with a trigger
 * id it issued ({@link #issueTrigger()}), once ({@code exchanged_trigger_id}) and within 3 s
 * ({@code expired_trigger_id}); response URLs it issued ({@link #issueResponseUrl()}) usable 5 times
 * in 30 minutes, and never sent the bot token.
 *
 * <p>Failures are injected per method and channel ({@link #fail}): an {@code ok:false} code, 429
 * with {@code Retry-After} (a request sooner is answered 429 again and is a {@link #violations()
 * violation}), a bare status, a stall, a huge answer, the work done and the answer lost; and
 * {@link #outage} for a period (503, or the port closed). A request identical to one refused with a
 * permanent code is a violation too. Every request is recorded ({@link #requests()}) with when it
 * arrived, and every message can be read as it now stands ({@link #messages}, {@link #replies}).
 *
 * <p>Messages by others can be put in a channel: a person's ({@link #foreignMessage}), another
 * app's bot's with any metadata ({@link #messageFromAnotherApp}), and the bot's own replies with
 * metadata, broadcast to the channel or not ({@link #botReply}).
 */
public final class FakeSlack {
    public static final String BOT_TOKEN = "xoxb-fake-0000000000-bot-token";
    public static final String TEAM_ID = "T0FAKE";
    public static final String TEAM_NAME = "Fake Workspace";
    public static final String BOT_USER = "U0BOT";
    public static final String BOT_ID = "B0BOT";
    /** The bot user and bot id of another app in the workspace. */
    public static final String OTHER_APP_USER = "U0OTHERBOT";
    public static final String OTHER_APP_BOT_ID = "B0OTHER";
    /** The scopes a token has unless a test says otherwise: all the connector needs. */
    public static final Set<String> DEFAULT_SCOPES = Set.of("chat:write", "users:read", "users:read.email", "channels:history",
            "groups:history", "im:history");
    public static final Duration TRIGGER_VALIDITY = Duration.ofSeconds(3);
    static final Set<String> PERMANENT = Set.of("channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text",
            "invalid_blocks", "not_authed", "invalid_auth", "token_revoked", "missing_scope", "message_not_found", "cant_update_message",
            "thread_not_found", "invalid_arguments", "invalid_post_type", "user_not_found", "users_not_found", "invalid_metadata_format",
            "invalid_metadata_schema", "invalid_cursor", "invalid_ts_oldest", "invalid_limit");
    static final ObjectMapper JSON = new ObjectMapper();

    /** How an outage shows: the server answers 503, or its port refuses connections. */
    public enum Outage { UNAVAILABLE, REFUSED }

    private record Injection(String method, String channel, SlackFailure failure, int[] remaining) {
    }

    final FakeWorkspace workspace = new FakeWorkspace();
    private final Vertx vertx;
    private final String token;
    private final FakeSlackMethods methods;
    private final List<ReceivedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Injection> injections = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> penalties = new ConcurrentHashMap<>();
    private final Set<String> refusedForGood = ConcurrentHashMap.newKeySet();
    private final Set<HttpServerRequest> stalled = ConcurrentHashMap.newKeySet();
    private volatile Set<String> scopes = DEFAULT_SCOPES;
    private volatile int historyPageSize = FakeSlackHistory.MAX_LIMIT;
    private volatile boolean revoked;
    private volatile Instant unavailableUntil = Instant.MIN;
    private volatile HttpServer server;
    private volatile int port;

    private FakeSlack(Vertx vertx, String token) {
        this.vertx = vertx;
        this.token = token;
        this.methods = new FakeSlackMethods(this, workspace);
    }

    /** Starts a fake whose bot token is {@link #BOT_TOKEN}. */
    public static Future<FakeSlack> start(Vertx vertx) {
        return start(vertx, BOT_TOKEN);
    }

    /** Starts a fake whose bot token is {@code botToken}. */
    public static Future<FakeSlack> start(Vertx vertx, String botToken) {
        FakeSlack slack = new FakeSlack(vertx, botToken);
        return slack.listen(0).map(slack);
    }

    private Future<Void> listen(int onPort) {
        HttpServer s = vertx.createHttpServer().requestHandler(this::handle);
        return s.listen(onPort, "127.0.0.1").map(bound -> {
            server = bound;
            port = bound.actualPort();
            return null;
        });
    }

    /** The Web API's base URL, for the connector's settings. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/api";
    }

    public int port() {
        return port;
    }

    // ---- the workspace ----

    /** A channel the bot is in. */
    public FakeSlack channel(String id, String name) {
        workspace.channel(id, name, true, false);
        return this;
    }

    /** A channel the bot is not in: posting there is {@code not_in_channel}. */
    public FakeSlack channelWithoutBot(String id, String name) {
        workspace.channel(id, name, false, false);
        return this;
    }

    /** An archived channel: posting there is {@code is_archived}. */
    public FakeSlack archivedChannel(String id, String name) {
        workspace.channel(id, name, true, true);
        return this;
    }

    /** A user of the workspace, with an email (or null). */
    public FakeSlack user(String id, String email) {
        workspace.user(id, email, false);
        return this;
    }

    public FakeSlack deactivatedUser(String id, String email) {
        workspace.user(id, email, true);
        return this;
    }

    /** The scopes the bot token has (by default {@link #DEFAULT_SCOPES}). */
    public FakeSlack scopes(String... granted) {
        scopes = Set.of(granted);
        return this;
    }

    /** The token's scopes without {@code scope}. */
    public FakeSlack withoutScope(String scope) {
        Set<String> fewer = new HashSet<>(scopes);
        fewer.remove(scope);
        scopes = Set.copyOf(fewer);
        return this;
    }

    /** The most messages a {@code conversations.history} page holds, whatever the limit asked (Slack may return fewer). */
    public FakeSlack historyPageSize(int messages) {
        historyPageSize = messages;
        return this;
    }

    /** From now on the token is {@code token_revoked}. */
    public void revokeToken() {
        revoked = true;
    }

    /** A message a person posted in {@code channel}; its ts. */
    public String foreignMessage(String channel, String text) {
        return workspace.store(channel, null, FakeWorkspace.Author.PERSON, false, text, null, null).ts;
    }

    /** A message the bot of another app ({@link #OTHER_APP_BOT_ID}) posted in {@code channel} with {@code metadata} (or none); its ts. */
    public String messageFromAnotherApp(String channel, String text, JsonNode metadata) {
        return workspace.store(channel, null, FakeWorkspace.Author.OTHER_APP, false, text, null, metadata).ts;
    }

    /** A reply of the bot's in the thread of {@code parentTs}, with {@code metadata} (or none), also shown in the channel when {@code broadcast}; its ts. */
    public String botReply(String channel, String parentTs, String text, JsonNode metadata, boolean broadcast) {
        return workspace.store(channel, parentTs, FakeWorkspace.Author.BOT, broadcast, text, null, metadata).ts;
    }

    /** A trigger id as Slack puts in a click, valid for {@link #TRIGGER_VALIDITY} from now. */
    public String issueTrigger() {
        return workspace.issueTrigger(Duration.ZERO);
    }

    /** A trigger id issued {@code age} ago. */
    public String issueTrigger(Duration age) {
        return workspace.issueTrigger(age);
    }

    /** A response URL as Slack puts in a click, on this fake. */
    public String issueResponseUrl() {
        return "http://127.0.0.1:" + port + "/hooks/actions/" + TEAM_ID + "/" + workspace.issueResponseUrl();
    }

    // ---- failures ----

    /** Answers the next request to {@code method} (for {@code channel}, or any when null) with {@code failure}. */
    public void fail(String method, String channel, SlackFailure failure) {
        fail(method, channel, failure, 1);
    }

    /** Answers the next {@code times} requests to {@code method} (for {@code channel}, or any) with {@code failure}. */
    public void fail(String method, String channel, SlackFailure failure, int times) {
        injections.add(new Injection(method, channel, failure, new int[] {times}));
    }

    /** An outage of {@code length} starting now: every request answered 503, or the port closed. */
    public Future<Void> outage(Duration length, Outage kind) {
        if (kind == Outage.UNAVAILABLE) {
            unavailableUntil = Instant.now().plus(length);
            return Future.succeededFuture();
        }
        int was = port;
        return server.close().onSuccess(v -> vertx.setTimer(Math.max(1, length.toMillis()), t -> listen(was)));
    }

    /** Every request answered 503 from now until {@link #available()}: an outage whose end the test decides. */
    public void unavailable() {
        unavailableUntil = Instant.MAX;
    }

    /** The end of an outage begun with {@link #unavailable()}. */
    public void available() {
        unavailableUntil = Instant.EPOCH;
    }

    // ---- what happened ----

    /** Every request received, in order of arrival. */
    public List<ReceivedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The requests to {@code method}. */
    public List<ReceivedRequest> requests(String method) {
        return requests().stream().filter(r -> r.method().equals(method)).toList();
    }

    /** The requests to {@code method} naming {@code channel}. */
    public List<ReceivedRequest> requests(String method, String channel) {
        return requests(method).stream().filter(r -> channel.equals(r.channel())).toList();
    }

    /** The top-level messages of {@code channel} as they now stand, oldest first. */
    public List<PostedMessage> messages(String channel) {
        return workspace.topLevel(channel);
    }

    /** The message {@code ts} of {@code channel} as it now stands, or null. */
    public PostedMessage message(String channel, String ts) {
        FakeWorkspace.Stored m = workspace.find(channel, ts);
        return m == null ? null : m.snapshot();
    }

    /** The replies in the thread of {@code ts} in {@code channel}, oldest first. */
    public List<PostedMessage> replies(String channel, String ts) {
        return workspace.thread(channel, ts);
    }

    /** The id of the bot's direct-message channel with {@code userId}, once a message was sent there. */
    public String directChannel(String userId) {
        return workspace.directChannel(userId);
    }

    /** The views opened with {@code views.open}, as sent. */
    public List<JsonNode> views() {
        return workspace.views();
    }

    /** The bodies posted to response URLs, as sent. */
    public List<JsonNode> responses() {
        return workspace.responses();
    }

    /** Protocol violations seen: a retry sooner than Retry-After, a permanent error retried, the token sent to a response URL. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public Future<Void> close() {
        stalled.forEach(r -> r.connection().close());
        return server.close();
    }

    // ---- serving ----

    Set<String> scopes() {
        return scopes;
    }

    int historyPageSize() {
        return historyPageSize;
    }

    void violation(String what) {
        violations.add(what);
    }

    private void handle(HttpServerRequest request) {
        Instant at = Instant.now();
        String path = request.path();
        String method = path.startsWith("/api/") ? path.substring(5) : path.startsWith("/hooks/actions/") ? "response_url" : null;
        if (method == null) {
            request.response().setStatusCode(404).end();
            return;
        }
        String length = request.getHeader("Content-Length");
        if (length != null && length.length() > 7) {
            request.response().setStatusCode(413).end();
            return;
        }
        request.body().onSuccess(body -> serve(request, method, at, body));
    }

    private void serve(HttpServerRequest request, String method, Instant at, Buffer body) {
        String contentType = request.getHeader("Content-Type");
        FakeSlackMethods.Call call = FakeSlackMethods.Call.read(method, request.path(), request.method().name(), contentType, request.query(), body);
        String authorization = request.getHeader("Authorization");
        boolean bearer = authorization != null && authorization.startsWith("Bearer ");
        String given = bearer ? authorization.substring(7) : "POST".equals(call.httpMethod()) && call.json() == null ? call.params().get("token") : null;
        ReceivedRequest received = new ReceivedRequest(at, method, call.httpMethod(), contentType, bearer, token.equals(given), call.json(),
                call.params(), 0, null);
        int index;
        synchronized (requests) {
            requests.add(received);
            index = requests.size() - 1;
        }
        FakeSlackMethods.Answer answer = answer(call, received, given, authorization != null);
        if (answer == null) {
            stalled.add(request);
            return;
        }
        synchronized (requests) {
            requests.set(index, received.answered(answer.lost() ? 0 : answer.status(), answer.error()));
        }
        if (answer.error() != null && PERMANENT.contains(answer.error())) {
            if (!refusedForGood.add(method + " " + request.query() + " " + body)) {
                violation(method + " was sent again, unchanged, after Slack refused it with " + answer.error());
            }
        }
        if (answer.lost()) {
            request.connection().close();
            return;
        }
        answer.headers().forEach(request.response()::putHeader);
        request.response().setStatusCode(answer.status()).putHeader("Content-Type", "application/json; charset=utf-8")
                .end(answer.body());
    }

    /** The answer to {@code call}; null to leave it unanswered. */
    private FakeSlackMethods.Answer answer(FakeSlackMethods.Call call, ReceivedRequest received, String given, boolean anyAuthorization) {
        if (Instant.now().isBefore(unavailableUntil)) {
            return FakeSlackMethods.Answer.status(503);
        }
        String channel = received.channel();
        String key = call.method() + " " + channel;
        Instant until = penalties.get(key);
        if (until != null && Instant.now().isBefore(until)) {
            long early = Duration.between(Instant.now(), until).toMillis();
            violation(call.method() + " for " + channel + " came " + early + " ms before the Retry-After of an earlier 429 ran out");
            return FakeSlackMethods.Answer.rateLimited(Duration.ofMillis(early));
        }
        boolean lose = false;
        for (Injection i : injections) {
            if (i.method().equals(call.method()) && (i.channel() == null || i.channel().equals(channel))) {
                synchronized (i.remaining()) {
                    if (i.remaining()[0] <= 0) {
                        continue;
                    }
                    i.remaining()[0]--;
                }
                if (i.failure() instanceof SlackFailure.LostAnswer) {
                    lose = true;
                    break;
                }
                if (i.failure() instanceof SlackFailure.HeldAnswer) {
                    work(call, given, anyAuthorization);
                    return null;
                }
                return injected(i.failure(), key);
            }
        }
        FakeSlackMethods.Answer answer = work(call, given, anyAuthorization);
        return lose ? answer.lostInstead() : answer;
    }

    /** The answer of the method itself, its token checked. */
    private FakeSlackMethods.Answer work(FakeSlackMethods.Call call, String given, boolean anyAuthorization) {
        if ("response_url".equals(call.method())) {
            if (anyAuthorization) {
                violation("an Authorization header was sent to a response_url (the URL is its own credential)");
            }
            return methods.respond(call);
        }
        if (given == null) {
            return FakeSlackMethods.Answer.error("not_authed");
        }
        if (!token.equals(given)) {
            return FakeSlackMethods.Answer.error("invalid_auth");
        }
        if (revoked) {
            return FakeSlackMethods.Answer.error("token_revoked");
        }
        return methods.handle(call);
    }

    private FakeSlackMethods.Answer injected(SlackFailure failure, String key) {
        if (failure instanceof SlackFailure.Error e) {
            return FakeSlackMethods.Answer.error(e.code());
        }
        if (failure instanceof SlackFailure.RateLimited r) {
            penalties.put(key, Instant.now().plus(r.retryAfter()));
            return FakeSlackMethods.Answer.rateLimited(r.retryAfter());
        }
        if (failure instanceof SlackFailure.Status s) {
            return FakeSlackMethods.Answer.status(s.status());
        }
        if (failure instanceof SlackFailure.Huge h) {
            return FakeSlackMethods.Answer.huge(h.bytes());
        }
        return null;
    }

    /** Query or form parameters of {@code encoded}, each name once (the last wins). */
    static Map<String, String> params(String encoded) {
        Map<String, String> params = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return params;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            try {
                params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                params.put("", "");
            }
        }
        return params;
    }
}
