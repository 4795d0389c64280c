package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.slack.RawSlackCalls.Reply;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fake refuses what Slack refuses (the protocol notes' §3), spoken to with a bare HTTP client:
 * a connector that passes against it gets these details right.
 */
@ExtendWith(VertxExtension.class)
class FakeSlackTest {
    private static final String JSON = RawSlackCalls.JSON;
    private static final String FORM = RawSlackCalls.FORM;

    private FakeSlack slack;
    private RawSlackCalls raw;

    @BeforeEach
    void start(Vertx vertx) {
        slack = await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").channelWithoutBot("C0PRIVATE", "private")
                .archivedChannel("C0OLD", "old").user("U0CAROL", "carol@example.com");
        raw = new RawSlackCalls(vertx, slack);
    }

    @AfterEach
    void stop() {
        await(raw.close());
        await(slack.close());
    }

    private Reply call(String httpMethod, String pathAndQuery, String contentType, String body, String token) {
        return raw.call(httpMethod, pathAndQuery, contentType, body, token);
    }

    private Reply post(String method, String json) {
        return raw.post(method, json);
    }

    /** One request each, and Slack's answer to it. */
    @TestFactory
    Stream<DynamicTest> requestsSlackRefusesAreRefused() {
        String card = "{\"channel\":\"C0SECURITY\",\"text\":\"hello\"}";
        record Case(String name, String httpMethod, String path, String type, String body, String token, String error) {
        }
        return Stream.of(
                new Case("no token", "POST", "/api/chat.postMessage", JSON, card, null, "not_authed"),
                new Case("a wrong token", "POST", "/api/chat.postMessage", JSON, card, "xoxb-wrong", "invalid_auth"),
                new Case("the token in the query", "GET", "/api/auth.test?token=" + FakeSlack.BOT_TOKEN, null, null, null, "not_authed"),
                new Case("chat.postMessage as a form", "POST", "/api/chat.postMessage", FORM, "channel=C0SECURITY&text=hi", FakeSlack.BOT_TOKEN, "invalid_post_type"),
                new Case("no content type", "POST", "/api/chat.postMessage", null, card, FakeSlack.BOT_TOKEN, "missing_post_type"),
                new Case("another charset", "POST", "/api/chat.postMessage", "application/json; charset=iso-8859-1", card, FakeSlack.BOT_TOKEN, "invalid_charset"),
                new Case("a body that is not JSON", "POST", "/api/chat.postMessage", JSON, "{channel:", FakeSlack.BOT_TOKEN, "invalid_json"),
                new Case("a JSON array", "POST", "/api/chat.postMessage", JSON, "[1]", FakeSlack.BOT_TOKEN, "json_not_object"),
                new Case("no channel", "POST", "/api/chat.postMessage", JSON, "{\"text\":\"x\"}", FakeSlack.BOT_TOKEN, "channel_not_found"),
                new Case("an unknown channel", "POST", "/api/chat.postMessage", JSON, "{\"channel\":\"C0NONE\",\"text\":\"x\"}", FakeSlack.BOT_TOKEN, "channel_not_found"),
                new Case("a channel without the bot", "POST", "/api/chat.postMessage", JSON, "{\"channel\":\"C0PRIVATE\",\"text\":\"x\"}", FakeSlack.BOT_TOKEN, "not_in_channel"),
                new Case("an archived channel", "POST", "/api/chat.postMessage", JSON, "{\"channel\":\"C0OLD\",\"text\":\"x\"}", FakeSlack.BOT_TOKEN, "is_archived"),
                new Case("neither text nor blocks", "POST", "/api/chat.postMessage", JSON, "{\"channel\":\"C0SECURITY\",\"blocks\":[]}", FakeSlack.BOT_TOKEN, "no_text"),
                new Case("text past 40,000", "POST", "/api/chat.postMessage", JSON, "{\"channel\":\"C0SECURITY\",\"text\":\"" + "x".repeat(40_001) + "\"}", FakeSlack.BOT_TOKEN, "msg_too_long"),
                new Case("an unknown thread", "POST", "/api/chat.postMessage", JSON, "{\"channel\":\"C0SECURITY\",\"text\":\"x\",\"thread_ts\":\"1.000001\"}", FakeSlack.BOT_TOKEN, "thread_not_found"),
                new Case("an update by channel name", "POST", "/api/chat.update", JSON, "{\"channel\":\"#security\",\"ts\":\"1.1\",\"text\":\"x\"}", FakeSlack.BOT_TOKEN, "channel_not_found"),
                new Case("an update of nothing", "POST", "/api/chat.update", JSON, "{\"channel\":\"C0SECURITY\",\"ts\":\"1.1\",\"text\":\"x\"}", FakeSlack.BOT_TOKEN, "message_not_found"),
                new Case("users.info as JSON", "POST", "/api/users.info", JSON, "{\"user\":\"U0CAROL\"}", FakeSlack.BOT_TOKEN, "invalid_arguments"),
                new Case("an unknown user", "GET", "/api/users.info?user=U0NOBODY", null, null, FakeSlack.BOT_TOKEN, "user_not_found"),
                new Case("an unknown trigger", "POST", "/api/views.open", JSON, "{\"trigger_id\":\"1.2.3\",\"view\":{\"type\":\"modal\",\"title\":{\"type\":\"plain_text\",\"text\":\"T\"},\"blocks\":[]}}", FakeSlack.BOT_TOKEN, "invalid_trigger_id"),
                new Case("a modal title past 24", "POST", "/api/views.open", JSON, "{\"trigger_id\":\"1.2.3\",\"view\":{\"type\":\"modal\",\"title\":{\"type\":\"plain_text\",\"text\":\"" + "t".repeat(25) + "\"},\"blocks\":[]}}", FakeSlack.BOT_TOKEN, "invalid_arguments"),
                new Case("an unknown method", "POST", "/api/chat.delete", JSON, "{}", FakeSlack.BOT_TOKEN, "unknown_method")
        ).map(c -> dynamicTest(c.name(), () -> assertEquals(c.error(), call(c.httpMethod(), c.path(), c.type(), c.body(), c.token()).error())));
    }

    @TestFactory
    Stream<DynamicTest> blocksPastALimitAreInvalidBlocksNamingWhere() {
        record Case(String name, String blocks, String pointer) {
        }
        String section = "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"%s\"}}";
        return Stream.of(
                new Case("51 blocks", "[" + String.join(",", java.util.Collections.nCopies(51, "{\"type\":\"divider\"}")) + "]", "/blocks"),
                new Case("section text of 3001", "[" + section.formatted("x".repeat(3001)) + "]", "/blocks/0/text/text"),
                new Case("11 fields", "[{\"type\":\"section\",\"fields\":[" + String.join(",", java.util.Collections.nCopies(11, "{\"type\":\"mrkdwn\",\"text\":\"f\"}")) + "]}]", "/blocks/0/fields"),
                new Case("a field of 2001", "[{\"type\":\"section\",\"fields\":[{\"type\":\"mrkdwn\",\"text\":\"" + "f".repeat(2001) + "\"}]}]", "/blocks/0/fields/0/text"),
                new Case("a header of 151", "[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":\"" + "h".repeat(151) + "\"}}]", "/blocks/0/text/text"),
                new Case("a duplicate block_id", "[{\"type\":\"divider\",\"block_id\":\"a\"},{\"type\":\"divider\",\"block_id\":\"a\"}]", "/blocks/1/block_id"),
                new Case("a block_id of 256", "[{\"type\":\"divider\",\"block_id\":\"" + "b".repeat(256) + "\"}]", "/blocks/0/block_id"),
                new Case("button text of 76", "[{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"text\":{\"type\":\"plain_text\",\"text\":\"" + "b".repeat(76) + "\"}}]}]", "/blocks/0/elements/0/text/text"),
                new Case("a value of 2001", "[{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"text\":{\"type\":\"plain_text\",\"text\":\"b\"},\"value\":\"" + "v".repeat(2001) + "\"}]}]", "/blocks/0/elements/0/value"),
                new Case("a style that is not one", "[{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"text\":{\"type\":\"plain_text\",\"text\":\"b\"},\"style\":\"blue\"}]}]", "/blocks/0/elements/0/style"),
                new Case("a duplicate action_id", "[{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"text\":{\"type\":\"plain_text\",\"text\":\"b\"},\"action_id\":\"x\"},{\"type\":\"button\",\"text\":{\"type\":\"plain_text\",\"text\":\"c\"},\"action_id\":\"x\"}]}]", "/blocks/0/elements/1/action_id"),
                new Case("a confirm title of 101", "[{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"text\":{\"type\":\"plain_text\",\"text\":\"b\"},\"confirm\":{\"title\":{\"type\":\"plain_text\",\"text\":\"" + "t".repeat(101) + "\"},\"text\":{\"type\":\"plain_text\",\"text\":\"t\"},\"confirm\":{\"type\":\"plain_text\",\"text\":\"y\"},\"deny\":{\"type\":\"plain_text\",\"text\":\"n\"}}}]}]", "/blocks/0/elements/0/confirm/title/text"),
                new Case("a context of 11", "[{\"type\":\"context\",\"elements\":[" + String.join(",", java.util.Collections.nCopies(11, "{\"type\":\"mrkdwn\",\"text\":\"c\"}")) + "]}]", "/blocks/0/elements"),
                new Case("mrkdwn in a header", "[{\"type\":\"header\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"h\"}}]", "/blocks/0/text/type"),
                new Case("an unknown field", "[{\"type\":\"divider\",\"colour\":\"red\"}]", "/blocks/0")
        ).map(c -> dynamicTest(c.name(), () -> {
            Reply r = post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"t\",\"blocks\":" + c.blocks() + "}");
            assertEquals("invalid_blocks", r.error());
            String messages = r.json().path("response_metadata").path("messages").toString();
            assertTrue(messages.contains("[json-pointer:" + c.pointer() + "]"), messages);
        }));
    }

    @Test
    void tsIncreasesPerChannelAndUpdatesKeepIt() {
        BigDecimal last = BigDecimal.ZERO;
        for (int i = 0; i < 5; i++) {
            Reply r = post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"m" + i + "\"}");
            assertTrue(r.json().path("ts").isTextual(), "ts is a string");
            BigDecimal ts = new BigDecimal(r.json().path("ts").asText());
            assertTrue(ts.compareTo(last) > 0, ts + " after " + last);
            last = ts;
        }
        Reply updated = post("chat.update", "{\"channel\":\"C0SECURITY\",\"ts\":\"" + last.toPlainString() + "\",\"text\":\"edited\"}");
        assertEquals(last.toPlainString(), updated.json().path("ts").asText());
        assertEquals("edited", slack.message("C0SECURITY", last.toPlainString()).text());
    }

    @Test
    void anUpdateWithoutBlocksKeepsThemAndAnEmptyListClearsThem() {
        String blocks = "[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"card\"}}]";
        String ts = post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"t\",\"blocks\":" + blocks + "}").json().path("ts").asText();
        post("chat.update", "{\"channel\":\"C0SECURITY\",\"ts\":\"" + ts + "\",\"text\":\"t2\"}");
        assertEquals(1, slack.message("C0SECURITY", ts).blocks().size());
        post("chat.update", "{\"channel\":\"C0SECURITY\",\"ts\":\"" + ts + "\",\"text\":\"t3\",\"blocks\":[]}");
        assertEquals(0, slack.message("C0SECURITY", ts).blocks().size());
    }

    @Test
    void readMethodsTakeQueryOrFormArgumentsAndEmailsNeedTheirScope() {
        assertEquals("carol@example.com", call("GET", "/api/users.info?user=U0CAROL", null, null, FakeSlack.BOT_TOKEN).json()
                .path("user").path("profile").path("email").asText());
        assertEquals("U0CAROL", call("POST", "/api/users.lookupByEmail", FORM, "email=carol%40example.com", FakeSlack.BOT_TOKEN).json()
                .path("user").path("id").asText());
        slack.scopes("chat:write");
        Reply noScope = call("GET", "/api/users.info?user=U0CAROL", null, null, FakeSlack.BOT_TOKEN);
        assertEquals("missing_scope", noScope.error());
        assertEquals("users:read", noScope.json().path("needed").asText());
    }

    @Test
    void aResponseUrlTakesFiveAnswersAndNoToken() {
        String url = slack.issueResponseUrl();
        String path = url.substring(url.indexOf("/hooks/"));
        for (int i = 0; i < 5; i++) {
            assertEquals(200, call("POST", path, JSON, "{\"text\":\"" + i + "\"}", null).status());
        }
        assertEquals(404, call("POST", path, JSON, "{\"text\":\"6\"}", null).status());
        assertEquals(404, call("POST", "/hooks/actions/T0FAKE/unknown", JSON, "{\"text\":\"x\"}", null).status());
        assertEquals(List.of(), slack.violations());
        call("POST", slack.issueResponseUrl().substring(url.indexOf("/hooks/")), JSON, "{\"text\":\"x\"}", FakeSlack.BOT_TOKEN);
        assertEquals(1, slack.violations().size(), "the bot token sent to a response URL went unnoticed");
    }

    @Test
    void aPermanentRefusalSentAgainUnchangedIsAViolation() {
        post("chat.postMessage", "{\"channel\":\"C0NONE\",\"text\":\"x\"}");
        assertEquals(List.of(), slack.violations());
        post("chat.postMessage", "{\"channel\":\"C0NONE\",\"text\":\"x\"}");
        assertEquals(1, slack.violations().size());
    }

    @Test
    void aJsonBodyWithoutCharsetIsNoted() {
        assertEquals(null, call("POST", "/api/chat.postMessage", "application/json", "{\"channel\":\"C0SECURITY\",\"text\":\"x\"}",
                FakeSlack.BOT_TOKEN).error());
        assertTrue(slack.violations().get(0).contains("charset"), slack.violations().toString());
    }

    @Test
    void aReplyToAReplyLandsInTheParentsThread() {
        String parent = post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"card\"}").json().path("ts").asText();
        String reply = post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"r1\",\"thread_ts\":\"" + parent + "\"}").json().path("ts").asText();
        post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"r2\",\"thread_ts\":\"" + reply + "\"}");
        assertEquals(2, slack.replies("C0SECURITY", parent).size());
        assertEquals(1, slack.messages("C0SECURITY").size());
    }

    @Test
    void theBlockRulesAcceptWhatTheyShouldAndTheDenyModalIsAValidView() {
        ArrayNode ok = FakeSlack.JSON.createArrayNode();
        ObjectNode section = ok.addObject().put("type", "section").put("block_id", "x".repeat(255));
        section.putObject("text").put("type", "mrkdwn").put("text", "t".repeat(3000));
        assertEquals(List.of(), BlockKitRules.message(ok));
        Click click = new Click("apr_1", dev.countersign.connectors.ReviewerChoice.DENY, "U0DAN", null, FakeSlack.TEAM_ID, "t", null, "C0SECURITY", "1.2");
        assertEquals(List.of(), BlockKitRules.view(SlackViews.denyReason(click).path("blocks")));
    }
}
