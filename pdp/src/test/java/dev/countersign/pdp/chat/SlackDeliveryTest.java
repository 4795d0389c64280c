package dev.countersign.pdp.chat;

import dev.countersign.connectors.MovableClock;
import static dev.countersign.pdp.chat.SlackFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.SlackFixture.TOKENS;
import static dev.countersign.pdp.chat.SlackFixture.await;
import static dev.countersign.pdp.chat.SlackFixture.eventually;
import static dev.countersign.pdp.chat.SlackFixture.export;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.slack.PostedMessage;
import dev.countersign.connectors.slack.SlackFailure;
import dev.countersign.connectors.webhook.WebhookReceiver;
import dev.countersign.pdp.config.ChatSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deliveries when the world misbehaves, on one node whose clock the test moves: a Slack outage of a
 * minute (the approval stays voteable; the card comes when Slack is back, once, showing what
 * happened meanwhile), a rate limit honoured, a channel that does not exist given up for good and
 * shown, reminders sent once each with the reviewers still to vote mentioned and the escalation
 * added at the first, and the same events signed to a webhook.
 */
class SlackDeliveryTest {
    static final String GONE = "C0GONE";
    static final String LEADS = "C0LEADS";
    static final String WEBHOOK_SECRET = "webhook-secret-0123456789";
    static final MovableClock CLOCK = new MovableClock();

    @TempDir
    static Path dir;
    static SlackFixture f;
    static WebhookReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        io.vertx.core.Vertx side = io.vertx.core.Vertx.vertx();
        receiver = await(WebhookReceiver.start(side, WEBHOOK_SECRET));
        String hook = "webhook:" + receiver.url("127.0.0.1", "/countersign?tenant=1");
        f = SlackFixture.start(dir, CLOCK, chat -> new ChatSettings(chat.slack(), new ChatSettings.Webhook(WEBHOOK_SECRET, List.of("127.0.0.1")),
                Map.of("data-governance", List.of("slack:" + GOVERNANCE, hook), "security", List.of("slack:" + GONE),
                        ChatSettings.FALLBACK, List.of("slack:" + SlackFixture.APPROVALS)),
                new ChatSettings.Reminders(Duration.ofMinutes(15), Duration.ofMinutes(30), Map.of("data-governance", List.of("slack:" + LEADS))),
                chat.publicUrl()));
        f.slack.channel(LEADS, "security-leads");
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
        await(receiver.close());
    }

    static String status(String id) {
        try {
            return f.approval(id).getString("status");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Moves the node's clock {@code total} forward in steps of {@code step}, a sweep's worth of real time between steps. */
    static void pass(Duration total, Duration step) throws InterruptedException {
        for (Duration gone = Duration.ZERO; gone.compareTo(total) < 0; gone = gone.plus(step)) {
            CLOCK.advance(step);
            Thread.sleep(250);
        }
    }

    @Test
    void duringAMinuteOfSlackOutageTheApprovalIsVotedAndTheCardComesAfterOnceShowingIt() throws Exception {
        f.slack.unavailable();
        try {
            String id = f.hold(export("outage " + UUID.randomUUID()));
            pass(Duration.ofSeconds(20), Duration.ofSeconds(5));
            HttpResponse<Buffer> voted = f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol"));
            assertEquals(200, voted.statusCode(), "voteable through the API while Slack is down: " + voted.bodyAsString());
            pass(Duration.ofSeconds(40), Duration.ofSeconds(5));
            JsonObject during = f.approval(id).getJsonArray("deliveries").stream().map(JsonObject.class::cast)
                    .filter(d -> d.getString("destination").equals("slack:" + GOVERNANCE)).findFirst().orElseThrow();
            assertEquals("retrying", during.getString("state"), during.encode());
            assertTrue(during.getString("last_error").contains("503"), during.encode());
            assertTrue(f.cards(GOVERNANCE, id).isEmpty());
            f.slack.available();
            pass(Duration.ofMinutes(2), Duration.ofSeconds(30));
            PostedMessage card = f.card(GOVERNANCE, id);
            assertEquals(null, card.button("approve"), "the card shows the approval as decided meanwhile");
            assertTrue(card.allText().toLowerCase().contains("approved"), card.allText());
            pass(Duration.ofSeconds(10), Duration.ofSeconds(5));
            assertEquals(1, f.cards(GOVERNANCE, id).size(), "posted once");
        } finally {
            f.slack.available();
        }
        assertEquals(List.of(), f.slack.violations());
    }

    @Test
    void aRateLimitIsWaitedOut() throws Exception {
        f.slack.fail("chat.postMessage", GOVERNANCE, SlackFailure.rateLimited(Duration.ofSeconds(2)));
        String id = f.hold(export("rate limited " + UUID.randomUUID()));
        eventually("the card after the wait", 20, () -> f.cards(GOVERNANCE, id).size() == 1);
        assertEquals(List.of(), f.slack.violations(), "no post sooner than Retry-After");
    }

    @Test
    void aChannelThatDoesNotExistIsGivenUpAtOnceAndShownAndTheApprovalStaysVoteable() throws Exception {
        String id = f.hold("{\"actor\": {\"id\": \"dan@example.com\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"g-" + UUID.randomUUID() + "\"}");
        eventually("given up", 15, () -> {
            try {
                return "failed".equals(f.approval(id).getJsonArray("deliveries").getJsonObject(0).getString("state"));
            } catch (Exception e) {
                return false;
            }
        });
        JsonObject d = f.approval(id).getJsonArray("deliveries").getJsonObject(0);
        assertEquals("slack:" + GONE, d.getString("destination"));
        assertTrue(d.getString("last_error").startsWith("channel_not_found"), d.encode());
        pass(Duration.ofMinutes(5), Duration.ofMinutes(1));
        assertEquals(1, f.slack.requests("chat.postMessage", GONE).size(), "a permanent error is not retried");
        assertEquals(200, f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"deny\"}", TOKENS.get("carol")).statusCode());
        assertTrue(f.node.get("/metrics", null).bodyAsString().contains("countersign_event_deliveries_total{outcome=\"failed\",sink=\"slack\"}"));
    }

    @Test
    void remindersComeOnceEachMentioningWhoIsStillToVoteAndTheFirstEscalates() throws Exception {
        String id = f.hold(export("reminded " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        pass(Duration.ofMinutes(16), Duration.ofMinutes(4));
        eventually("the first reminder", 15, () -> reminders(GOVERNANCE, card.ts()).size() == 1);
        PostedMessage first = reminders(GOVERNANCE, card.ts()).get(0);
        assertTrue(first.text().contains("<@U0CAROL>"), "carol is mentioned: " + first.text());
        assertTrue(!first.text().contains("U0ALICE"), "not the requester's person: " + first.text());
        PostedMessage escalated = f.card(LEADS, id);
        assertTrue(escalated.button("approve") != null, "the escalation channel gets the card to vote on");
        pass(Duration.ofMinutes(10), Duration.ofMinutes(2));
        assertEquals(1, reminders(GOVERNANCE, card.ts()).size(), "not again before reminders.every");
        pass(Duration.ofMinutes(22), Duration.ofMinutes(4));
        eventually("the second reminder", 15, () -> reminders(GOVERNANCE, card.ts()).size() == 2);
        assertEquals(1, f.cards(LEADS, id).size(), "escalated once");
        assertEquals(200, f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol")).statusCode());
        eventually("both cards updated", 15, () -> f.slack.message(GOVERNANCE, card.ts()).button("approve") == null
                && f.slack.message(LEADS, escalated.ts()).button("approve") == null);
        pass(Duration.ofMinutes(40), Duration.ofMinutes(10));
        assertEquals(2, reminders(GOVERNANCE, card.ts()).size(), "no reminder once decided");
    }

    static List<PostedMessage> reminders(String channel, String ts) {
        return f.slack.replies(channel, ts).stream().filter(r -> r.text().contains("Reminder")).toList();
    }

    @Test
    void theWebhookGetsEveryLifecycleEventSignedInOrderOnce() throws Exception {
        String id = f.hold(export("webhook " + UUID.randomUUID()));
        assertEquals(200, f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\", \"comment\": \"ok\"}",
                TOKENS.get("carol")).statusCode());
        eventually("created, vote and approved delivered", 15, () -> events(id).size() >= 3);
        List<WebhookReceiver.Delivery> mine = events(id);
        assertEquals(List.of("created", "vote", "approved"), mine.stream().map(d -> d.json().path("event").path("type").asText()).toList());
        assertTrue(mine.stream().allMatch(WebhookReceiver.Delivery::signatureValid), "signed");
        assertEquals(3, mine.stream().map(WebhookReceiver.Delivery::eventId).collect(Collectors.toSet()).size(), "distinct event ids");
        List<Long> seqs = mine.stream().map(d -> Long.parseLong(d.eventId().substring(id.length() + 1))).toList();
        assertEquals(seqs.stream().sorted().distinct().toList(), seqs, "in the order they happened (the card's posting is not sent)");
        assertEquals(1L, seqs.get(0));
        assertEquals("approved", mine.get(2).json().path("approval").path("status").asText());
        assertEquals("/countersign?tenant=1", mine.get(0).uri());
    }

    static List<WebhookReceiver.Delivery> events(String id) {
        return receiver.deliveries().stream().filter(d -> d.eventId() != null && d.eventId().startsWith(id + ":")).toList();
    }
}
