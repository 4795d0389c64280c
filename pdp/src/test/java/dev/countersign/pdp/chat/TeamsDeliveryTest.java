package dev.countersign.pdp.chat;

import dev.countersign.connectors.MovableClock;
import static dev.countersign.pdp.chat.SlackFixture.export;
import static dev.countersign.pdp.chat.TeamsFixture.ALICE;
import static dev.countersign.pdp.chat.TeamsFixture.CAROL;
import static dev.countersign.pdp.chat.TeamsFixture.DAN;
import static dev.countersign.pdp.chat.TeamsFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.TeamsFixture.TOKENS;
import static dev.countersign.pdp.chat.TeamsFixture.assertNoButtons;
import static dev.countersign.pdp.chat.TeamsFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.teams.BotConnectorFailure;
import dev.countersign.connectors.teams.BotConnectorRequest;
import dev.countersign.connectors.teams.BotConnectorRequest.Operation;
import dev.countersign.connectors.teams.FakeTeamsTokens;
import dev.countersign.connectors.teams.StoredActivity;
import dev.countersign.pdp.config.ChatSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deliveries to Teams when the Bot Connector misbehaves, on one node whose clock the test moves:
 * 429 with and without {@code Retry-After}, 412, 502 and 504 retried until the card is posted once;
 * 403 {@code MessageWritesBlocked} and 413 given up at once and shown in the approval and the
 * metrics; an outage during which the approval is decided through the API and after which the card
 * comes once, showing it; Bot Framework tokens of a few seconds refreshed before they expire; a
 * {@code teams:channel:} route starting a thread that every later update and reply targets; and
 * reminders mentioning who is still to vote, the first escalating to another conversation.
 */
class TeamsDeliveryTest {
    static final String SECURITY_CHANNEL = "19:security5e6f7a8b9c0d@thread.tacv2";
    static final String LEADS = "19:leads1a2b3c4d5e6f@thread.tacv2";
    static final MovableClock CLOCK = new MovableClock();

    @TempDir
    static Path dir;
    static TeamsFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = TeamsFixture.start(dir, CLOCK, chat -> new ChatSettings(null, chat.teams(), null,
                Map.of("data-governance", List.of("teams:" + GOVERNANCE), "security", List.of("teams:channel:" + SECURITY_CHANNEL),
                        ChatSettings.FALLBACK, List.of("teams:" + TeamsFixture.APPROVALS)),
                new ChatSettings.Reminders(Duration.ofMinutes(15), Duration.ofMinutes(30), Map.of("data-governance", List.of("teams:" + LEADS))),
                chat.publicUrl()));
        f.bot.channel(SECURITY_CHANNEL).conversation(LEADS);
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @AfterEach
    void nothingAMicrosoftServiceWouldRefuse() {
        assertEquals(List.of(), f.bot.violations());
        assertEquals(List.of(), f.tokens.violations());
    }

    /** Moves the node's clock {@code total} forward in steps of {@code step}, a sweep's worth of real time between steps. */
    static void pass(Duration total, Duration step) throws InterruptedException {
        for (Duration gone = Duration.ZERO; gone.compareTo(total) < 0; gone = gone.plus(step)) {
            CLOCK.advance(step);
            Thread.sleep(250);
        }
    }

    /** A word that appears in the calls about one approval only: its intent holds it. */
    static String marker() {
        return "m" + UUID.randomUUID().toString().replace("-", "");
    }

    static List<BotConnectorRequest> posts(String conversation, String marker) {
        return f.bot.requests(Operation.SEND).stream()
                .filter(r -> conversation.equals(r.conversation()) && r.json() != null && r.json().toString().contains(marker)).toList();
    }

    static String metrics() throws Exception {
        return f.node.get("/metrics", null).bodyAsString();
    }

    @Test
    void rateLimitsAndPassingFailuresAreRetriedUntilTheCardIsPostedOnce() throws Exception {
        record Case(String what, BotConnectorFailure failure) {
        }
        for (Case c : List.of(new Case("429 with Retry-After", BotConnectorFailure.rateLimited(Duration.ofSeconds(2))),
                new Case("429 without Retry-After", BotConnectorFailure.rateLimitedWithoutRetryAfter()),
                new Case("412", BotConnectorFailure.preconditionFailed()),
                new Case("502", BotConnectorFailure.badGateway()),
                new Case("504", BotConnectorFailure.gatewayTimeout()))) {
            String marker = marker();
            f.bot.fail(Operation.SEND, GOVERNANCE, marker, c.failure(), 1);
            String id = f.hold(export(marker));
            StoredActivity card = f.card(GOVERNANCE, id);
            assertEquals(List.of("approve", "deny"), card.verbs(), c.what());
            List<BotConnectorRequest> sent = posts(GOVERNANCE, marker);
            assertEquals(2, sent.size(), c.what() + ": refused once, then posted: " + sent);
            assertEquals(c.failure().status(), sent.get(0).status(), c.what());
            assertEquals(201, sent.get(1).status(), c.what());
            eventually(c.what() + ": delivered", 10, () -> "delivered".equals(f.delivery(id, "teams:" + GOVERNANCE).getString("state")));
            assertEquals(1, f.cards(GOVERNANCE, id).size(), c.what() + ": one card");
        }
        String metrics = metrics();
        assertTrue(metrics.contains("countersign_teams_calls_total{call=\"post\",outcome=\"failed\"}"), metrics);
        assertTrue(metrics.contains("countersign_event_deliveries_total{outcome=\"retry\",sink=\"teams\"}"), metrics);
    }

    @Test
    void writesBlockedAndTooLargeAreGivenUpAtOnceShownAndTheApprovalStaysVoteable() throws Exception {
        record Case(BotConnectorFailure failure, String code) {
        }
        for (Case c : List.of(new Case(BotConnectorFailure.messageWritesBlocked(), "MessageWritesBlocked"),
                new Case(BotConnectorFailure.messageSizeTooBig(), "MessageSizeTooBig"))) {
            String marker = marker();
            f.bot.fail(Operation.SEND, GOVERNANCE, marker, c.failure(), 5);
            String id = f.hold(export(marker));
            eventually(c.code() + " given up", 15, () -> "failed".equals(f.delivery(id, "teams:" + GOVERNANCE).getString("state")));
            JsonObject d = f.delivery(id, "teams:" + GOVERNANCE);
            assertTrue(d.getString("last_error").startsWith(c.code()), d.encode());
            assertFalse(d.containsKey("next_attempt"), "no retry planned: " + d.encode());
            pass(Duration.ofMinutes(3), Duration.ofSeconds(30));
            assertEquals(1, posts(GOVERNANCE, marker).size(), c.code() + " is not retried");
            HttpResponse<Buffer> voted = f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"deny\", \"comment\": \"seen elsewhere\"}",
                    TOKENS.get("carol"));
            assertEquals(200, voted.statusCode(), voted.bodyAsString());
            assertEquals("denied", f.status(id));
        }
        String metrics = metrics();
        assertTrue(metrics.contains("countersign_teams_calls_total{call=\"post\",outcome=\"failed\"}"), metrics);
        assertTrue(metrics.contains("countersign_event_deliveries_total{outcome=\"failed\",sink=\"teams\"}"), metrics);
    }

    @Test
    void duringAnOutageTheApprovalIsDecidedThroughTheApiAndTheCardComesAfterOnceShowingIt() throws Exception {
        String marker = marker();
        String id;
        f.bot.unavailable();
        try {
            id = f.hold(export(marker));
            pass(Duration.ofSeconds(20), Duration.ofSeconds(5));
            assertEquals("pending", f.status(id));
            HttpResponse<Buffer> voted = f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol"));
            assertEquals(200, voted.statusCode(), "voteable through the API while Teams is down: " + voted.bodyAsString());
            assertEquals("approved", f.status(id));
            pass(Duration.ofSeconds(40), Duration.ofSeconds(5));
            JsonObject during = f.delivery(id, "teams:" + GOVERNANCE);
            assertEquals("retrying", during.getString("state"), during.encode());
            assertTrue(during.getString("last_error").contains("503"), during.encode());
            assertTrue(f.cards(GOVERNANCE, id).isEmpty());
            assertTrue(posts(GOVERNANCE, marker).size() >= 2, "tried again during the outage");
        } finally {
            f.bot.available();
        }
        pass(Duration.ofMinutes(2), Duration.ofSeconds(30));
        StoredActivity card = f.card(GOVERNANCE, id);
        assertNoButtons(card.card(), "the card shows the approval decided meanwhile");
        assertTrue(card.allText().contains("Approved"), card.allText());
        pass(Duration.ofSeconds(10), Duration.ofSeconds(5));
        assertEquals(1, f.cards(GOVERNANCE, id).size(), "posted once");
    }

    @Test
    void tokensOfAFewSecondsAreRefreshedBeforeTheyExpire() throws Exception {
        f.tokens.expiresIn(Duration.ofSeconds(6));
        try {
            Instant from = Instant.now();
            int issued = f.tokens.issued();
            f.bot.fail(BotConnectorFailure.unauthorized());   // the Bot Connector refuses the kept token: a new one, of 6 s, is fetched
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(f.hold(export("token " + i + " " + UUID.randomUUID())));
                Thread.sleep(2000);
            }
            for (String id : ids) {
                f.card(GOVERNANCE, id);
            }
            assertTrue(f.tokens.issued() - issued >= 3, "several tokens over the run: " + (f.tokens.issued() - issued));
            List<BotConnectorRequest> since = f.bot.requests().stream().filter(r -> !r.at().isBefore(from)).toList();
            assertTrue(since.size() >= 8, since.toString());
            assertTrue(since.stream().allMatch(BotConnectorRequest::tokenValid), "never a token past its lifetime: "
                    + since.stream().filter(r -> !r.tokenValid()).toList());
            assertEquals(1, since.stream().filter(r -> r.status() == 401).count(), "only the refusal the test injected");
            assertTrue(f.tokens.requests().stream().filter(r -> !r.at().isBefore(from)).allMatch(r -> r.status() == 200
                    && FakeTeamsTokens.APP_ID.equals(r.form().get("client_id"))), f.tokens.requests().toString());
        } finally {
            f.tokens.expiresIn(Duration.ofHours(1));
        }
    }

    @Test
    void aChannelRouteStartsAThreadThatLaterUpdatesAndRepliesTarget() throws Exception {
        String id = f.hold("{\"actor\": {\"id\": \"ops-bot@example.com\", \"type\": \"agent\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"g-" + UUID.randomUUID() + "\"}");
        String destination = "teams:channel:" + SECURITY_CHANNEL;
        eventually("posted", 15, () -> {
            JsonObject d = f.delivery(id, destination);
            return d != null && d.getJsonObject("posted") != null;
        });
        String thread = f.delivery(id, destination).getJsonObject("posted").getString("conversation");
        assertTrue(thread.startsWith(SECURITY_CHANNEL + ";messageid="), thread);
        assertTrue(f.bot.threads(SECURITY_CHANNEL).contains(thread), f.bot.threads(SECURITY_CHANNEL).toString());
        StoredActivity card = f.card(destination, thread, id);
        assertEquals(thread, SECURITY_CHANNEL + ";messageid=" + card.id(), "the card is the thread's first message");
        int threads = f.bot.threads(SECURITY_CHANNEL).size();

        assertEquals(200, f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol")).statusCode());
        eventually("the card shows carol's vote", 15, () -> f.bot.activity(thread, card.id()).allText().contains("carol@example.com"));
        eventually("a reply in the thread", 15, () -> f.replies(thread, card.id()).stream()
                .anyMatch(r -> r.text() != null && r.text().contains("carol@example.com approved")));
        JsonNode answered = TeamsReviewTest.answeredCard(f.send(f.sender.onCard(thread, card.id()).execute("approve", id, null, DAN)));
        assertNoButtons(answered, "dan's card once approved");
        assertEquals("approved", f.status(id));
        eventually("the card in the thread without buttons", 15, () -> f.bot.activity(thread, card.id()).verbs().isEmpty());
        assertEquals(threads, f.bot.threads(SECURITY_CHANNEL).size(), "no second thread");
        assertTrue(f.bot.requests(Operation.UPDATE).stream().filter(r -> card.id().equals(r.activityId()))
                .allMatch(r -> thread.equals(r.conversation())), "every update targets the thread");
        assertTrue(f.bot.requests(Operation.CREATE_CONVERSATION).stream()
                .filter(r -> r.json() != null && r.json().toString().contains(id)).count() == 1, "one thread started for it");
    }

    @Test
    void remindersComeOnceEachMentioningWhoIsStillToVoteAndTheFirstEscalates() throws Exception {
        String id = f.hold(export("reminded " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        pass(Duration.ofMinutes(16), Duration.ofMinutes(4));
        eventually("the first reminder", 15, () -> reminders(card).size() == 1);
        StoredActivity first = reminders(card).get(0);
        List<String> mentioned = first.mentions().stream().map(m -> m.path("mentioned").path("id").asText()).toList();
        assertTrue(mentioned.contains(CAROL.aadObjectId()) && mentioned.contains(DAN.aadObjectId()), "carol and dan are mentioned: " + mentioned);
        assertFalse(mentioned.contains(ALICE.aadObjectId()), "not the requester's person: " + mentioned);
        assertTrue(first.text().contains("<at>carol@example.com</at>"), first.text());
        StoredActivity escalated = f.card(LEADS, id);
        assertEquals(List.of("approve", "deny"), escalated.verbs(), "the escalation gets the card to vote on");
        pass(Duration.ofMinutes(10), Duration.ofMinutes(2));
        assertEquals(1, reminders(card).size(), "not again before reminders.every");
        pass(Duration.ofMinutes(22), Duration.ofMinutes(4));
        eventually("the second reminder", 15, () -> reminders(card).size() == 2);
        assertEquals(1, f.cards(LEADS, id).size(), "escalated once");
        assertEquals(200, f.node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol")).statusCode());
        eventually("both cards updated", 15, () -> f.bot.activity(GOVERNANCE, card.id()).verbs().isEmpty()
                && f.bot.activity(LEADS, escalated.id()).verbs().isEmpty());
        pass(Duration.ofMinutes(40), Duration.ofMinutes(10));
        assertEquals(2, reminders(card).size(), "no reminder once decided");
    }

    static List<StoredActivity> reminders(StoredActivity card) {
        return f.replies(card.conversation(), card.id()).stream().filter(r -> r.text() != null && r.text().contains("Reminder")).toList();
    }
}
