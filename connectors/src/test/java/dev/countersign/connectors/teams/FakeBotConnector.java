package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.countersign.connectors.teams.BotConnectorRequest.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Bot Connector: a real HTTP server on 127.0.0.1 (an ephemeral port) whose service URL has a
 * path prefix and a trailing slash ({@code http://127.0.0.1:port/amer/}), answering the outbound
 * calls of a Teams bot as the real one does and enforcing the wire details of the protocol notes
 * (§2.3 and §3). Point a connector at {@link #settings()} (or {@link #serviceUrl()}).
 *
 * <p>It serves {@code POST v3/conversations} (a channel thread, {@code isGroup} with
 * {@code channelData.channel.id} and the first activity, answered 201
 * {@code {"id":"<channel>;messageid=<activityId>","activityId"}}; or the personal chat with one
 * member, answered 201 {@code {"id":"a:…"}}, the same chat each time), {@code POST
 * v3/conversations/{id}/activities} (201 {@code {"id"}}), {@code POST …/activities/{replyTo}} (a
 * reply) and {@code PUT …/activities/{activityId}} (200; 404 {@code NotFound} for an activity it does
 * not hold). Activities are checked as {@link FakeConversations} says.
 *
 * <p>It enforces: {@code Authorization: Bearer} with exactly a token the {@link FakeTeamsTokens}
 * issued and not expired (401 otherwise); {@code Content-Type: application/json} (415); a JSON object
 * body (400 {@code BadArgument}); at most 28 KB of activity (413 {@code MessageSizeTooBig}); the
 * conversation id percent-encoded in the path (a {@code :}, {@code @} or {@code ;} as it is: 400 and a
 * violation); conversations it knows (404 {@code ConversationNotFound}); blocked ones refused 403
 * {@code MessageWritesBlocked}. Injected failures ({@link #fail}) answer the next calls instead: any
 * status with an error body, 429 with or without {@code Retry-After} (a request sooner than the
 * {@code Retry-After} is answered 429 again and is a violation), a stall, a lost answer, an answer
 * held back after the work is done. A request
 * identical to one refused with a permanent status (400, 403, 404, 413) is a violation too. While
 * {@link #unavailable() unavailable} it answers every request 503 {@code ServiceUnavailable}, doing
 * nothing, until {@link #available()}.
 *
 * <p>Every request is recorded ({@link #requests()}), and every activity with all its versions
 * ({@link #activities}, {@link #versions}); {@link #violations()} lists what a real Bot Connector
 * would refuse or a well-behaved bot would not do.
 */
public final class FakeBotConnector {
    public static final String DEFAULT_PREFIX = "amer/";
    public static final int MAX_ACTIVITY_BYTES = 28 * 1024;
    private static final Pattern ACTIVITIES = Pattern.compile("v3/conversations/([^/]+)/activities(?:/([^/]+))?");
    /** A path segment as a careful client encodes it: unreserved characters and percent-escapes only. */
    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9\\-._~]|%[0-9A-Fa-f]{2})+");
    private static final Set<Integer> PERMANENT = Set.of(400, 403, 404, 413);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Injection(Operation operation, String conversation, String containing, BotConnectorFailure failure, int[] remaining) {
    }

    private final Vertx vertx;
    private final FakeTeamsTokens tokens;
    private final String prefix;
    private final FakeConversations conversations;
    private final List<BotConnectorRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Injection> injections = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> penalties = new ConcurrentHashMap<>();
    private final Set<String> refusedForGood = ConcurrentHashMap.newKeySet();
    private final Set<HttpServerRequest> stalled = ConcurrentHashMap.newKeySet();
    private volatile HttpServer server;
    private volatile boolean unavailable;

    private FakeBotConnector(Vertx vertx, FakeTeamsTokens tokens, String prefix) {
        this.vertx = vertx;
        this.tokens = tokens;
        this.prefix = prefix;
        this.conversations = new FakeConversations(tokens.appId(), tokens.tenantId(), violations::add);
    }

    /** Starts a fake at {@code /amer/} accepting the tokens {@code tokens} issues. */
    public static Future<FakeBotConnector> start(Vertx vertx, FakeTeamsTokens tokens) {
        return start(vertx, tokens, DEFAULT_PREFIX);
    }

    /** Starts a fake whose service URL path is {@code /prefix} ({@code ""} for none, else ending with {@code /}). */
    public static Future<FakeBotConnector> start(Vertx vertx, FakeTeamsTokens tokens, String prefix) {
        if (!prefix.isEmpty() && (!prefix.endsWith("/") || prefix.startsWith("/"))) {
            throw new IllegalArgumentException("a prefix is empty or a path such as amer/");
        }
        FakeBotConnector fake = new FakeBotConnector(vertx, tokens, prefix);
        return vertx.createHttpServer().requestHandler(fake::handle).listen(0, "127.0.0.1").map(s -> {
            fake.server = s;
            return fake;
        });
    }

    /** The service URL, ending with {@code /}. */
    public String serviceUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/" + prefix;
    }

    /** Settings for the token endpoint's app with this service URL. */
    public TeamsSettings settings() {
        return tokens.settings(serviceUrl());
    }

    // ---- what the bot may reach ----

    /** A conversation the bot is in: a group chat, a channel thread, a personal chat. */
    public FakeBotConnector conversation(String id) {
        conversations.conversation(id);
        return this;
    }

    /** A channel of a team the bot is installed in: it may post there and start threads. */
    public FakeBotConnector channel(String id) {
        conversations.channel(id);
        return this;
    }

    /** A user the bot is installed for, by Teams user id or Entra object id: a personal chat can be created. */
    public FakeBotConnector user(String id) {
        conversations.user(id);
        return this;
    }

    /** A conversation the bot is in whose message writes are blocked: 403 {@code MessageWritesBlocked}. */
    public FakeBotConnector blocked(String id) {
        conversations.conversation(id);
        conversations.block(id);
        return this;
    }

    // ---- failures ----

    /** Answers the next request, whatever it is, with {@code failure}. */
    public void fail(BotConnectorFailure failure) {
        fail(null, null, failure, 1);
    }

    /** Answers the next {@code times} requests with {@code failure}. */
    public void fail(BotConnectorFailure failure, int times) {
        fail(null, null, failure, times);
    }

    /** Answers the next {@code times} requests of {@code operation} (any when null) in {@code conversation} (any when null) with {@code failure}. */
    public void fail(Operation operation, String conversation, BotConnectorFailure failure, int times) {
        fail(operation, conversation, null, failure, times);
    }

    /**
     * Answers the next {@code times} requests of {@code operation} (any when null) in
     * {@code conversation} (any when null) whose body holds the text {@code containing} (any when
     * null) with {@code failure}: to fail the calls about one approval only.
     */
    public void fail(Operation operation, String conversation, String containing, BotConnectorFailure failure, int times) {
        injections.add(new Injection(operation, conversation, containing, failure, new int[] {times}));
    }

    /** From now until {@link #available()}, every request is answered 503 {@code ServiceUnavailable} and nothing is done. */
    public void unavailable() {
        unavailable = true;
    }

    public void available() {
        unavailable = false;
    }

    // ---- what happened ----

    public List<BotConnectorRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public List<BotConnectorRequest> requests(Operation operation) {
        return requests().stream().filter(r -> r.operation() == operation).toList();
    }

    /** The activities of {@code conversation} as they now stand, in the order sent. */
    public List<StoredActivity> activities(String conversation) {
        return conversations.activities(conversation);
    }

    /** Activity {@code id} of {@code conversation} as it now stands, or null. */
    public StoredActivity activity(String conversation, String id) {
        List<StoredActivity> all = versions(conversation, id);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** Every version of activity {@code id}: as sent, then after each update. */
    public List<StoredActivity> versions(String conversation, String id) {
        return conversations.versions(conversation, id);
    }

    /** The thread conversations started in {@code channel}, oldest first. */
    public List<String> threads(String channel) {
        return conversations.threads(channel);
    }

    /** The personal chat created with {@code user}, or null. */
    public String personalChat(String user) {
        return conversations.personalChat(user);
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    public Future<Void> close() {
        stalled.forEach(r -> r.connection().close());
        return server.close();
    }

    // ---- serving ----

    private void handle(HttpServerRequest request) {
        Instant at = Instant.now();
        request.body().onSuccess(body -> serve(request, at, body));
    }

    private void serve(HttpServerRequest request, Instant at, Buffer body) {
        String raw = request.path();
        String rest = raw.startsWith("/" + prefix) ? raw.substring(prefix.length() + 1) : null;
        Operation operation = null;
        String conversation = null;
        String activityId = null;
        boolean encoded = true;
        if (rest != null) {
            Matcher m = ACTIVITIES.matcher(rest);
            if (rest.equals("v3/conversations") && "POST".equals(request.method().name())) {
                operation = Operation.CREATE_CONVERSATION;
            } else if (m.matches()) {
                encoded = SEGMENT.matcher(m.group(1)).matches() && (m.group(2) == null || SEGMENT.matcher(m.group(2)).matches());
                conversation = decode(m.group(1));
                activityId = m.group(2) == null ? null : decode(m.group(2));
                String method = request.method().name();
                operation = "POST".equals(method) ? (activityId == null ? Operation.SEND : Operation.REPLY)
                        : "PUT".equals(method) && activityId != null ? Operation.UPDATE : null;
            }
        }
        String authorization = request.getHeader("Authorization");
        String token = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
        String contentType = request.getHeader("Content-Type");
        JsonNode json = json(body);
        BotConnectorRequest received = new BotConnectorRequest(at, operation, request.method().name(), raw, conversation, activityId,
                contentType, token, tokens.valid(token), json, 0, null);
        int index;
        synchronized (requests) {
            requests.add(received);
            index = requests.size() - 1;
        }
        FakeConversations.Answer answer;
        boolean lose = false;
        if (operation == null) {
            answer = FakeConversations.Answer.error(rest == null ? 404 : 405, "NotFound", "No such operation.");
            violations.add("a request to " + request.method().name() + " " + raw + ", which is no Bot Connector operation"
                    + (rest == null ? " under the service URL's path" : ""));
        } else if (!encoded) {
            violations.add("the ids in " + raw + " are not percent-encoded");
            answer = FakeConversations.Answer.error(400, "BadArgument", "Malformed conversation id in the path.");
        } else if (unavailable) {
            answer = FakeConversations.Answer.error(503, "ServiceUnavailable", "The service is unavailable.");
        } else {
            Injection injection = injection(operation, conversation == null ? json == null ? null : createTarget(json) : conversation,
                    body.toString(StandardCharsets.UTF_8));
            if (injection != null && injection.failure().kind() == BotConnectorFailure.Kind.STALL) {
                stalled.add(request);
                return;
            }
            boolean hold = injection != null && injection.failure().kind() == BotConnectorFailure.Kind.HELD_ANSWER;
            lose = injection != null && injection.failure().kind() == BotConnectorFailure.Kind.LOST_ANSWER;
            answer = injection != null && !lose && !hold ? injected(injection, conversation)
                    : work(operation, conversation, activityId, token, authorization, contentType, json, body);
            if (hold) {
                stalled.add(request);   // served, recorded as unanswered (status 0), answered never
                return;
            }
        }
        synchronized (requests) {
            requests.set(index, received.answered(lose ? 0 : answer.status(), answer.code()));
        }
        if (PERMANENT.contains(answer.status()) && !refusedForGood.add(request.method().name() + " " + raw + " " + body)) {
            violations.add(request.method().name() + " " + raw + " was sent again, unchanged, after it was refused with " + answer.status());
        }
        if (lose) {
            request.connection().close();
            return;
        }
        if (answer.retryAfterSeconds() != null) {
            request.response().putHeader("Retry-After", Long.toString(answer.retryAfterSeconds()));
        }
        request.response().setStatusCode(answer.status()).putHeader("Content-Type", "application/json; charset=utf-8")
                .end(answer.body().toString());
    }

    private FakeConversations.Answer work(Operation operation, String conversation, String activityId, String token, String authorization,
                                          String contentType, JsonNode json, Buffer body) {
        if (token == null) {
            violations.add("a request without a bearer token" + (authorization == null ? "" : " (Authorization: " + authorization.split(" ")[0] + " …)"));
            return unauthorized();
        }
        if (!tokens.valid(token)) {
            return unauthorized();
        }
        String key = conversation == null ? "v3/conversations" : conversation;
        Instant until = penalties.get(key);
        if (until != null && Instant.now().isBefore(until)) {
            long early = Duration.between(Instant.now(), until).toMillis();
            violations.add(operation + " in " + key + " came " + early + " ms before the Retry-After of an earlier 429 ran out");
            return rateLimited(Duration.ofMillis(early));
        }
        if (contentType == null || !contentType.toLowerCase().matches("application/json(\\s*;\\s*charset=utf-8)?")) {
            violations.add(operation + " was sent as " + contentType + ", not application/json");
            return FakeConversations.Answer.error(415, "UnsupportedMediaType", "The request must be JSON.");
        }
        if (json == null || !json.isObject()) {
            violations.add(operation + " carried a body that is not a JSON object");
            return FakeConversations.Answer.error(400, "BadArgument", "The body is not a JSON object.");
        }
        if (body.length() > MAX_ACTIVITY_BYTES) {
            violations.add(operation + " carried " + body.length() + " bytes, more than Teams' " + MAX_ACTIVITY_BYTES);
            return FakeConversations.Answer.error(413, "MessageSizeTooBig", "Message size is too big.");
        }
        return switch (operation) {
            case CREATE_CONVERSATION -> conversations.create(json);
            case SEND -> conversations.send(conversation, null, json);
            case REPLY -> conversations.send(conversation, activityId, json);
            case UPDATE -> conversations.update(conversation, activityId, json);
        };
    }

    private FakeConversations.Answer injected(Injection injection, String conversation) {
        BotConnectorFailure f = injection.failure();
        if (f.kind() == BotConnectorFailure.Kind.HUGE) {
            return FakeConversations.Answer.ok(201, JSON.createObjectNode().put("id", "1").put("padding", "x".repeat(f.bytes())));
        }
        if (f.status() == 429) {
            if (f.retryAfter() == null) {
                return FakeConversations.Answer.error(429, f.code(), "Too many requests.");
            }
            penalties.put(conversation == null ? "v3/conversations" : conversation, Instant.now().plus(f.retryAfter()));
            return rateLimited(f.retryAfter());
        }
        return FakeConversations.Answer.error(f.status(), f.code(), "Injected by the test.");
    }

    private Injection injection(Operation operation, String conversation, String body) {
        for (Injection i : injections) {
            if ((i.operation() == null || i.operation() == operation) && (i.conversation() == null || i.conversation().equals(conversation))
                    && (i.containing() == null || body.contains(i.containing()))) {
                synchronized (i.remaining()) {
                    if (i.remaining()[0] > 0) {
                        i.remaining()[0]--;
                        return i;
                    }
                }
            }
        }
        return null;
    }

    /** What a conversation create names: the channel of a thread, or the member of a personal chat. */
    private static String createTarget(JsonNode json) {
        String channel = json.path("channelData").path("channel").path("id").textValue();
        return channel != null ? channel : json.path("members").path(0).path("id").textValue();
    }

    private static FakeConversations.Answer unauthorized() {
        return new FakeConversations.Answer(401, "Unauthorized", JSON.createObjectNode().put("message", "Authorization has been denied for this request."),
                null);
    }

    private static FakeConversations.Answer rateLimited(Duration wait) {
        return FakeConversations.Answer.error(429, "Throttled", "Too many requests.").withRetryAfter(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    private static JsonNode json(Buffer body) {
        if (body.length() == 0) {
            return null;
        }
        try {
            return JSON.readTree(body.getBytes());
        } catch (IOException e) {
            return null;
        }
    }

    /** A path segment percent-decoded ({@code +} stays a plus, as in paths). */
    private static String decode(String segment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length()) {
                out.write(Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
