package dev.countersign.connectors.teams;

import static dev.countersign.connectors.Awaits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.http.Exchange;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fakes refuse what Microsoft's services refuse (the protocol notes' §3), spoken to with a bare
 * HTTP client: a connector that passes against them gets these details right.
 */
@ExtendWith(VertxExtension.class)
class FakeBotConnectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "19:meeting_Zjk0YTc1@thread.v2";
    private static final String CHAT_PATH = "v3/conversations/19%3Ameeting_Zjk0YTc1%40thread.v2/activities";
    private static final String FORM = "application/x-www-form-urlencoded";

    private record Reply(int status, JsonNode json, String retryAfter) {
        String code() {
            return json.path("error").path("code").asText(json.path("error").asText(""));
        }
    }

    private Vertx vertx;
    private FakeTeamsTokens tokens;
    private FakeBotConnector bot;
    private HttpClient client;
    private String token;

    @BeforeEach
    void start(Vertx v) {
        vertx = v;
        tokens = await(FakeTeamsTokens.start(v));
        bot = await(FakeBotConnector.start(v, tokens)).conversation(CHAT).user(TeamsConnectorTest.CAROL);
        client = v.createHttpClient();
        token = call(HttpMethod.POST, tokenEndpoint(FakeTeamsTokens.TENANT_ID), FORM, grant(FakeTeamsTokens.APP_ID, FakeTeamsTokens.APP_PASSWORD,
                TeamsSettings.SCOPE, "client_credentials"), null).json().path("access_token").asText();
    }

    @AfterEach
    void stop() {
        await(client.close());
        await(bot.close());
        await(tokens.close());
    }

    @TestFactory
    Stream<DynamicTest> theTokenEndpointRefusesWhatTheRealOneRefuses() {
        record Case(String name, String tenant, String contentType, String body, int status, String error) {
        }
        String good = grant(FakeTeamsTokens.APP_ID, FakeTeamsTokens.APP_PASSWORD, TeamsSettings.SCOPE, "client_credentials");
        return Stream.of(
                new Case("another tenant", "contoso.onmicrosoft.com", FORM, good, 400, "invalid_tenant"),
                new Case("JSON instead of a form", FakeTeamsTokens.TENANT_ID, "application/json", "{\"grant_type\":\"client_credentials\"}", 400,
                        "invalid_request"),
                new Case("another grant", FakeTeamsTokens.TENANT_ID, FORM,
                        grant(FakeTeamsTokens.APP_ID, FakeTeamsTokens.APP_PASSWORD, TeamsSettings.SCOPE, "password"), 400, "unsupported_grant_type"),
                new Case("another app", FakeTeamsTokens.TENANT_ID, FORM,
                        grant("00000000-0000-0000-0000-000000000000", FakeTeamsTokens.APP_PASSWORD, TeamsSettings.SCOPE, "client_credentials"), 400,
                        "unauthorized_client"),
                new Case("a wrong secret", FakeTeamsTokens.TENANT_ID, FORM,
                        grant(FakeTeamsTokens.APP_ID, "wrong", TeamsSettings.SCOPE, "client_credentials"), 401, "invalid_client"),
                new Case("a scope not exactly the Bot Framework's", FakeTeamsTokens.TENANT_ID, FORM,
                        grant(FakeTeamsTokens.APP_ID, FakeTeamsTokens.APP_PASSWORD, "https://api.botframework.com", "client_credentials"), 400,
                        "invalid_scope")
        ).map(c -> dynamicTest(c.name(), () -> {
            int before = tokens.issued();
            Reply r = call(HttpMethod.POST, tokenEndpoint(c.tenant()), c.contentType(), c.body(), null);
            assertEquals(c.status(), r.status());
            assertEquals(c.error(), r.code());
            assertEquals(before, tokens.issued(), "a token was issued");
        }));
    }

    @Test
    void aTokenIsIssuedWithItsLifetimeAndAcceptedUntilItExpires() {
        tokens.expiresIn(Duration.ofSeconds(120));
        Reply r = call(HttpMethod.POST, tokenEndpoint(FakeTeamsTokens.TENANT_ID), FORM,
                grant(FakeTeamsTokens.APP_ID, FakeTeamsTokens.APP_PASSWORD, TeamsSettings.SCOPE, "client_credentials"), null);
        assertEquals("Bearer", r.json().path("token_type").asText());
        assertEquals(120, r.json().path("expires_in").asInt());
        String fresh = r.json().path("access_token").asText();
        assertTrue(tokens.valid(fresh));
        assertEquals(201, send(card(), fresh).status());
        tokens.expire(fresh);
        assertEquals(401, send(card(), fresh).status());
        assertEquals(List.of(), bot.violations(), "an expired token is no violation: it can expire in flight");
    }

    @TestFactory
    Stream<DynamicTest> theBotConnectorRefusesWhatTheRealOneRefuses() {
        record Case(String name, HttpMethod method, String path, String contentType, String body, String bearer, int status, boolean violation) {
        }
        String card = card().toString();
        String json = "application/json; charset=utf-8";
        return Stream.of(
                new Case("no token", HttpMethod.POST, CHAT_PATH, json, card, null, 401, true),
                new Case("a token the endpoint never issued", HttpMethod.POST, CHAT_PATH, json, card, "not-a-token", 401, false),
                new Case("a form instead of JSON", HttpMethod.POST, CHAT_PATH, FORM, "type=message", token, 415, true),
                new Case("a body that is not JSON", HttpMethod.POST, CHAT_PATH, json, "{nope", token, 400, true),
                new Case("an activity without a type", HttpMethod.POST, CHAT_PATH, json, "{\"text\":\"hi\"}", token, 400, true),
                new Case("a message without text or attachments", HttpMethod.POST, CHAT_PATH, json, "{\"type\":\"message\"}", token, 400, true),
                new Case("a card of another content type", HttpMethod.POST, CHAT_PATH, json,
                        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/json\",\"content\":{}}]}", token, 400, true),
                new Case("a card over 28 KB", HttpMethod.POST, CHAT_PATH, json, bigCard(), token, 413, true),
                new Case("the conversation id not percent-encoded", HttpMethod.POST, "v3/conversations/" + CHAT + "/activities", json, card, token, 400,
                        true),
                new Case("a conversation the bot is not in", HttpMethod.POST, "v3/conversations/19%3Anone%40thread.v2/activities", json, card, token,
                        404, false),
                new Case("an update of an activity it does not hold", HttpMethod.PUT, CHAT_PATH + "/1772445699999", json, card, token, 404, false),
                new Case("a personal chat without the tenant", HttpMethod.POST, "v3/conversations", json,
                        "{\"isGroup\":false,\"members\":[{\"id\":\"" + TeamsConnectorTest.CAROL + "\"}]}", token, 400, true)
        ).map(c -> dynamicTest(c.name(), () -> {
            int violations = bot.violations().size();
            Reply r = call(c.method(), bot.serviceUrl() + c.path(), c.contentType(), c.body(), c.bearer());
            assertEquals(c.status(), r.status(), r.json().toString());
            assertEquals(c.violation(), bot.violations().size() > violations, "violation recorded: " + bot.violations());
            assertEquals(List.of(), bot.activities(CHAT), "an activity was stored");
        }));
    }

    @Test
    void aPathOutsideTheServiceUrlsPrefixIsNoOperation() {
        Reply r = call(HttpMethod.POST, bot.serviceUrl().replace("/amer/", "/") + CHAT_PATH, "application/json", card().toString(), token);
        assertEquals(404, r.status());
        assertTrue(bot.violations().get(0).contains("under the service URL's path"), bot.violations().toString());
    }

    @Test
    void aCardThatWouldNotRenderIsAcceptedButIsAViolation() {
        ObjectNode activity = card();
        ((ObjectNode) activity.path("attachments").path(0).path("content")).put("version", "1.2");
        assertEquals(201, send(activity, token).status());
        assertTrue(bot.violations().stream().anyMatch(v -> v.contains("version")), bot.violations().toString());
    }

    @Test
    void aMentionWhoseTextIsNotInTheMessageIsAViolation() {
        ObjectNode reply = JSON.createObjectNode().put("type", "message").put("text", "hello <at>Carol</at>");
        reply.putArray("entities").addObject().put("type", "mention").put("text", "<at>Someone</at>").putObject("mentioned")
                .put("id", TeamsConnectorTest.CAROL).put("name", "Carol");
        assertEquals(201, send(reply, token).status());
        assertTrue(bot.violations().stream().anyMatch(v -> v.contains("is not in the message text")), bot.violations().toString());
    }

    @Test
    void aRequestSoonerThanRetryAfterIsAViolationAndAPermanentRefusalRepeatedToo() {
        bot.fail(BotConnectorFailure.rateLimited(Duration.ofSeconds(5)));
        Reply limited = send(card(), token);
        assertEquals(429, limited.status());
        assertEquals("5", limited.retryAfter());
        assertEquals(429, send(card(), token).status());
        assertTrue(bot.violations().get(0).contains("before the Retry-After"), bot.violations().toString());

        bot.fail(BotConnectorFailure.rateLimitedWithoutRetryAfter());
        String blocked = "19:blocked@thread.v2";
        bot.blocked(blocked);
        String path = bot.serviceUrl() + "v3/conversations/19%3Ablocked%40thread.v2/activities";
        Reply bare = call(HttpMethod.POST, path, "application/json", card().toString(), token);
        assertEquals(429, bare.status());
        assertEquals(null, bare.retryAfter(), "a 429 without Retry-After");
        assertEquals(403, call(HttpMethod.POST, path, "application/json", card().toString(), token).status());
        assertEquals("MessageWritesBlocked", call(HttpMethod.POST, path, "application/json", card().toString(), token).code());
        assertTrue(bot.violations().stream().anyMatch(v -> v.contains("sent again, unchanged")), bot.violations().toString());
    }

    @Test
    void whileUnavailableEveryCallIs503AndNothingIsStored() {
        bot.unavailable();
        Reply down = send(card(), token);
        assertEquals(503, down.status());
        assertEquals("ServiceUnavailable", down.code());
        assertEquals(List.of(), bot.activities(CHAT), "nothing stored while down");
        bot.available();
        assertEquals(201, send(card(), token).status());
        assertEquals(1, bot.activities(CHAT).size());
    }

    @Test
    void aFailureForBodiesHoldingATextSparesTheOthers() {
        bot.fail(BotConnectorRequest.Operation.SEND, CHAT, "marker0123", BotConnectorFailure.badGateway(), 1);
        assertEquals(201, send(card(), token).status(), "a card without the text");
        ObjectNode marked = JSON.createObjectNode().put("type", "message").put("text", "about marker0123");
        assertEquals(502, send(marked, token).status());
        assertEquals(201, send(marked, token).status(), "once only");
    }

    @Test
    void aThreadIsStartedInAKnownChannelAndAPersonalChatIsTheSameEachTime() {
        String channel = "19:general@thread.tacv2";
        bot.channel(channel);
        ObjectNode thread = JSON.createObjectNode().put("isGroup", true);
        thread.putObject("channelData").put("x", 1).putObject("channel").put("id", channel);
        ((ObjectNode) thread.path("channelData")).putObject("tenant").put("id", FakeTeamsTokens.TENANT_ID);
        thread.set("activity", card());
        Reply started = call(HttpMethod.POST, bot.serviceUrl() + "v3/conversations", "application/json", thread.toString(), token);
        assertEquals(201, started.status());
        assertEquals(channel + ";messageid=" + started.json().path("activityId").asText(), started.json().path("id").asText());
        assertEquals(List.of(started.json().path("id").asText()), bot.threads(channel));

        ObjectNode chat = JSON.createObjectNode().put("isGroup", false);
        chat.putArray("members").addObject().put("id", TeamsConnectorTest.CAROL);
        chat.putObject("channelData").putObject("tenant").put("id", FakeTeamsTokens.TENANT_ID);
        String first = call(HttpMethod.POST, bot.serviceUrl() + "v3/conversations", "application/json", chat.toString(), token).json().path("id").asText();
        String second = call(HttpMethod.POST, bot.serviceUrl() + "v3/conversations", "application/json", chat.toString(), token).json().path("id").asText();
        assertEquals(first, second);
        assertTrue(first.startsWith("a:"), first);
        assertEquals(List.of(), bot.violations());
    }

    private Reply send(ObjectNode activity, String bearer) {
        return call(HttpMethod.POST, bot.serviceUrl() + CHAT_PATH, "application/json", activity.toString(), bearer);
    }

    private static ObjectNode card() {
        ObjectNode activity = JSON.createObjectNode().put("type", "message");
        activity.putArray("attachments").add(TeamsCards.attachment(TeamsCards.card(SampleApprovals.pending())));
        return activity;
    }

    private static String bigCard() {
        ObjectNode activity = card();
        ((ObjectNode) activity.path("attachments").path(0).path("content")).putArray("body").addObject().put("type", "TextBlock")
                .put("text", "x".repeat(30 * 1024));
        return activity.toString();
    }

    private String tokenEndpoint(String tenant) {
        return tokens.tokenUrl().replace(TeamsSettings.TENANT_PLACEHOLDER, tenant);
    }

    private static String grant(String clientId, String secret, String scope, String grantType) {
        return "grant_type=" + enc(grantType) + "&client_id=" + enc(clientId) + "&client_secret=" + enc(secret) + "&scope=" + enc(scope);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Reply call(HttpMethod method, String url, String contentType, String body, String bearer) {
        RequestOptions request = new RequestOptions().setMethod(method).setAbsoluteURI(url);
        if (contentType != null) {
            request.putHeader("Content-Type", contentType);
        }
        if (bearer != null) {
            request.putHeader("Authorization", "Bearer " + bearer);
        }
        Exchange.Answer answer = await(Exchange.send(vertx, client, request, Buffer.buffer(body), Duration.ofSeconds(5), 1024 * 1024));
        try {
            return new Reply(answer.status(), JSON.readTree(answer.body().getBytes()), answer.headers().get("Retry-After"));
        } catch (IOException e) {
            throw new AssertionError("the fake answered something that is not JSON", e);
        }
    }
}
