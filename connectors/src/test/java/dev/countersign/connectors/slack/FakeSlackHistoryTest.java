package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.slack.RawSlackCalls.Reply;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fake's message metadata and {@code conversations.history} answer and refuse as Slack's do, spoken to with a bare HTTP client. */
@ExtendWith(VertxExtension.class)
class FakeSlackHistoryTest {
    private static final String CARD_METADATA = "{\"event_type\":\"countersign_approval\",\"event_payload\":{\"approval_id\":\"apr_1\"}}";

    private FakeSlack slack;
    private RawSlackCalls raw;

    @BeforeEach
    void start(Vertx vertx) {
        slack = await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").channel("G0PRIVATE", "private")
                .channel("D0CAROL", null).channelWithoutBot("C0ELSEWHERE", "elsewhere").channel("C0OTHER", "other");
        raw = new RawSlackCalls(vertx, slack);
    }

    @AfterEach
    void stop() {
        await(raw.close());
        await(slack.close());
    }

    private String postWith(String channel, String text, String metadata) {
        Reply r = raw.post("chat.postMessage", "{\"channel\":\"" + channel + "\",\"text\":\"" + text + "\""
                + (metadata == null ? "" : ",\"metadata\":" + metadata) + "}");
        assertNull(r.error(), r.json().toString());
        return r.json().path("ts").asText();
    }

    private Reply history(String query) {
        return raw.get("conversations.history", query);
    }

    private static List<String> tsOf(Reply r) {
        List<String> ts = new ArrayList<>();
        r.json().path("messages").forEach(m -> ts.add(m.path("ts").asText()));
        return ts;
    }

    /** Each metadata a post may carry, and Slack's verdict: stored as sent, or refused with its code. */
    @TestFactory
    Stream<DynamicTest> metadataIsCheckedAsSlackChecksItAndKeptWithTheMessage() {
        record Case(String name, String metadata, String error) {
        }
        return Stream.of(
                new Case("a card's metadata", CARD_METADATA, null),
                new Case("dots and digits in the event type", "{\"event_type\":\"countersign.approval_v2\",\"event_payload\":{}}", null),
                new Case("a string holding the object, as a form sends it",
                        "\"{\\\"event_type\\\":\\\"countersign_approval\\\",\\\"event_payload\\\":{\\\"approval_id\\\":\\\"apr_1\\\"}}\"", null),
                new Case("a hyphen in the event type", "{\"event_type\":\"countersign-approval\",\"event_payload\":{}}", "invalid_metadata_schema"),
                new Case("a space in the event type", "{\"event_type\":\"countersign approval\",\"event_payload\":{}}", "invalid_metadata_schema"),
                new Case("an empty event type", "{\"event_type\":\"\",\"event_payload\":{}}", "invalid_metadata_schema"),
                new Case("a number as the event type", "{\"event_type\":7,\"event_payload\":{}}", "invalid_metadata_schema"),
                new Case("no event type", "{\"event_payload\":{\"approval_id\":\"apr_1\"}}", "invalid_metadata_schema"),
                new Case("no event payload", "{\"event_type\":\"countersign_approval\"}", "invalid_metadata_schema"),
                new Case("an array as the payload", "{\"event_type\":\"countersign_approval\",\"event_payload\":[\"apr_1\"]}", "invalid_metadata_schema"),
                new Case("a string as the payload", "{\"event_type\":\"countersign_approval\",\"event_payload\":\"apr_1\"}", "invalid_metadata_schema"),
                new Case("an empty object on a post", "{}", "invalid_metadata_schema"),
                new Case("an array", "[" + CARD_METADATA + "]", "invalid_metadata_format"),
                new Case("a string that is not JSON", "\"event_type=countersign_approval\"", "invalid_metadata_format")
        ).map(c -> dynamicTest(c.name(), () -> {
            int before = slack.messages("C0SECURITY").size();
            Reply r = raw.post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"card\",\"metadata\":" + c.metadata() + "}");
            assertEquals(c.error(), r.error(), r.json().toString());
            List<PostedMessage> now = slack.messages("C0SECURITY");
            if (c.error() != null) {
                assertEquals(before, now.size(), "a refused post was stored");
                return;
            }
            JsonNode sent = FakeSlack.JSON.readTree(c.metadata());
            JsonNode expected = sent.isTextual() ? FakeSlack.JSON.readTree(sent.textValue()) : sent;
            assertEquals(expected, slack.message("C0SECURITY", r.json().path("ts").asText()).metadata());
        }));
    }

    @Test
    void anUpdateKeepsTheMetadataItDoesNotCarryAndAnEmptyObjectRemovesIt() {
        String ts = postWith("C0SECURITY", "card", CARD_METADATA);
        raw.post("chat.update", "{\"channel\":\"C0SECURITY\",\"ts\":\"" + ts + "\",\"text\":\"approved\"}");
        assertEquals("apr_1", slack.message("C0SECURITY", ts).metadata().path("event_payload").path("approval_id").asText());
        assertEquals("invalid_metadata_schema",
                raw.post("chat.update", "{\"channel\":\"C0SECURITY\",\"ts\":\"" + ts + "\",\"text\":\"x\",\"metadata\":{\"event_type\":\"a b\"}}").error());
        raw.post("chat.update", "{\"channel\":\"C0SECURITY\",\"ts\":\"" + ts + "\",\"text\":\"cleared\",\"metadata\":{}}");
        assertNull(slack.message("C0SECURITY", ts).metadata());
    }

    @Test
    void historyIsNewestFirstAfterAnExclusiveOldestWithMetadataOnlyWhenAsked() {
        String first = postWith("C0SECURITY", "first", CARD_METADATA);
        String second = slack.foreignMessage("C0SECURITY", "second");
        String third = postWith("C0SECURITY", "third", null);

        assertEquals(List.of(third, second, first), tsOf(history("channel=C0SECURITY")));
        assertEquals(List.of(third, second), tsOf(history("channel=C0SECURITY&oldest=" + first)), "oldest is exclusive");
        assertEquals(List.of(third, second, first), tsOf(history("channel=C0SECURITY&oldest=" + first + "&inclusive=true")));

        JsonNode plain = history("channel=C0SECURITY").json().path("messages").get(2);
        assertFalse(plain.has("metadata"), "metadata without include_all_metadata: " + plain);
        JsonNode withMetadata = history("channel=C0SECURITY&include_all_metadata=true").json().path("messages").get(2);
        assertEquals("countersign_approval", withMetadata.path("metadata").path("event_type").asText());
        assertEquals(FakeSlack.BOT_ID, withMetadata.path("bot_id").asText());
        assertEquals(FakeSlack.BOT_USER, withMetadata.path("user").asText());
        JsonNode person = history("channel=C0SECURITY").json().path("messages").get(1);
        assertFalse(person.has("bot_id"));
    }

    @Test
    void historyShowsBroadcastRepliesButNotOtherReplies() throws Exception {
        String parent = postWith("C0SECURITY", "card", CARD_METADATA);
        String quiet = slack.botReply("C0SECURITY", parent, "in the thread", FakeSlack.JSON.readTree(CARD_METADATA), false);
        String loud = slack.botReply("C0SECURITY", parent, "also in the channel", null, true);

        Reply r = history("channel=C0SECURITY");
        assertEquals(List.of(loud, parent), tsOf(r));
        JsonNode broadcast = r.json().path("messages").get(0);
        assertEquals("thread_broadcast", broadcast.path("subtype").asText());
        assertEquals(parent, broadcast.path("thread_ts").asText());
        JsonNode card = r.json().path("messages").get(1);
        assertEquals(parent, card.path("thread_ts").asText(), "a parent's thread_ts is its own ts");
        assertEquals(2, card.path("reply_count").asInt());
        assertFalse(tsOf(r).contains(quiet));
    }

    @Test
    void historyPagesByCursorToTheOldestMessage() {
        slack.historyPageSize(2);
        List<String> posted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            posted.add(0, postWith("C0SECURITY", "m" + i, null));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Reply r = history("channel=C0SECURITY&limit=200" + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
            assertNull(r.error(), r.json().toString());
            seen.addAll(tsOf(r));
            pages++;
            boolean more = r.json().path("has_more").asBoolean();
            cursor = r.json().path("response_metadata").path("next_cursor").asText("");
            assertEquals(more, !cursor.isEmpty(), "has_more and next_cursor disagree: " + r.json());
        } while (!cursor.isEmpty());
        assertEquals(posted, seen);
        assertEquals(3, pages);
        assertEquals(List.of(posted.get(0)), tsOf(history("channel=C0SECURITY&limit=1")), "limit is honoured below the page size");
    }

    /** One history request each, and Slack's answer to it. */
    @TestFactory
    Stream<DynamicTest> historyRequestsSlackRefusesAreRefused() {
        String otherCursor = java.util.Base64.getEncoder().encodeToString("next_ts:C0OTHER:1767000000.000001".getBytes(StandardCharsets.UTF_8));
        record Case(String name, String httpMethod, String path, String type, String body, String token, String error) {
        }
        String token = FakeSlack.BOT_TOKEN;
        return Stream.of(
                new Case("a form POST is read", "POST", "/api/conversations.history", RawSlackCalls.FORM, "channel=C0SECURITY&limit=5", token, null),
                new Case("a JSON body", "POST", "/api/conversations.history", RawSlackCalls.JSON, "{\"channel\":\"C0SECURITY\"}", token, "invalid_arguments"),
                new Case("the token in the query", "GET", "/api/conversations.history?channel=C0SECURITY&token=" + token, null, null, null, "not_authed"),
                new Case("a wrong token", "GET", "/api/conversations.history?channel=C0SECURITY", null, null, "xoxb-wrong", "invalid_auth"),
                new Case("no channel", "GET", "/api/conversations.history", null, null, token, "channel_not_found"),
                new Case("an unknown channel", "GET", "/api/conversations.history?channel=C0NOWHERE", null, null, token, "channel_not_found"),
                new Case("a channel name", "GET", "/api/conversations.history?channel=%23security", null, null, token, "channel_not_found"),
                new Case("a public channel without the bot", "GET", "/api/conversations.history?channel=C0ELSEWHERE", null, null, token, "not_in_channel"),
                new Case("an oldest that is not a ts", "GET", "/api/conversations.history?channel=C0SECURITY&oldest=yesterday", null, null, token, "invalid_ts_oldest"),
                new Case("a limit of 0", "GET", "/api/conversations.history?channel=C0SECURITY&limit=0", null, null, token, "invalid_limit"),
                new Case("a limit of 1000", "GET", "/api/conversations.history?channel=C0SECURITY&limit=1000", null, null, token, "invalid_limit"),
                new Case("a cursor that is not one", "GET", "/api/conversations.history?channel=C0SECURITY&cursor=bm9wZQ%3D%3D", null, null, token, "invalid_cursor"),
                new Case("another channel's cursor", "GET", "/api/conversations.history?channel=C0SECURITY&cursor=" + URLEncoder.encode(otherCursor, StandardCharsets.UTF_8),
                        null, null, token, "invalid_cursor")
        ).map(c -> dynamicTest(c.name(), () -> assertEquals(c.error(), raw.call(c.httpMethod(), c.path(), c.type(), c.body(), c.token()).error())));
    }

    @TestFactory
    Stream<DynamicTest> historyNeedsTheScopeOfTheConversationsKind() {
        return Stream.of(new String[] {"C0SECURITY", "channels:history"}, new String[] {"G0PRIVATE", "groups:history"},
                new String[] {"D0CAROL", "im:history"}).map(c -> dynamicTest(c[0] + " needs " + c[1], () -> {
                    assertNull(history("channel=" + c[0]).error());
                    slack.withoutScope(c[1]);
                    Reply refused = history("channel=" + c[0]);
                    assertEquals("missing_scope", refused.error());
                    assertEquals(c[1], refused.json().path("needed").asText());
                    slack.scopes(FakeSlack.DEFAULT_SCOPES.toArray(String[]::new));
                }));
    }

    @Test
    void aLostAnswerLeavesThePostDoneAndTheCallerWithoutItsTs() {
        slack.fail("chat.postMessage", "C0SECURITY", new SlackFailure.LostAnswer());
        assertThrows(AssertionError.class, () -> raw.post("chat.postMessage", "{\"channel\":\"C0SECURITY\",\"text\":\"card\"}"));
        assertEquals(1, slack.messages("C0SECURITY").size(), "the post was not done");
        assertEquals(1, slack.requests("chat.postMessage", "C0SECURITY").size());
        assertTrue(slack.requests("chat.postMessage", "C0OTHER").isEmpty());
    }
}
