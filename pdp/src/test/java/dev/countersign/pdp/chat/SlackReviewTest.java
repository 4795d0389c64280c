package dev.countersign.pdp.chat;

import static dev.countersign.pdp.chat.SlackFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.SlackFixture.eventually;
import static dev.countersign.pdp.chat.SlackFixture.export;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.slack.PostedMessage;
import dev.countersign.connectors.slack.SignedRequest;
import dev.countersign.connectors.slack.SignedRequest.Tamper;
import dev.countersign.connectors.slack.SlackClickDriver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reviewers deciding in Slack, end to end on a real node and a fake Slack: the card posted once with
 * the whole context, a click counted as the reviewer's vote and shown on the card and in its thread,
 * the requester told the outcome, forged and replayed requests refused, clicks that may not count
 * answered privately, and the deny reason asked in a modal.
 */
class SlackReviewTest {
    @TempDir
    static Path dir;
    static SlackFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = SlackFixture.start(dir, Clock.systemUTC(), UnaryOperator.identity());
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @Test
    void aHeldActionIsPostedOnceAndDecidedByAClickThenTheCardShowsTheOutcome() throws Exception {
        String id = f.hold(export("approve from slack " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        String shown = card.allText();
        for (String part : List.of("agent:etl-bot", "alice@example.com", "data.export", "prod.customers", "pii", "production",
                "eu-west-1", "us-east-1", "gpt-4.1", "crm", "gdpr", "agent exports of production data need data governance",
                "approvals.drl:", "data-governance")) {
            assertTrue(shown.contains(part), "the card shows " + part + ": " + shown);
        }
        assertNotNull(card.button("approve"));
        assertEquals(id, card.button("approve").path("value").asText());
        assertNotNull(card.button("deny").path("confirm"), "deny asks to confirm");

        SignedRequest.Answer answer = f.send(f.driver.click(card, "approve", "U0CAROL"));
        assertEquals(200, answer.status(), answer.body());
        assertEquals("", answer.body());
        assertTrue(answer.took().compareTo(Duration.ofSeconds(3)) < 0, "answered within 3 s: " + answer.took());

        eventually("approved", 10, () -> status(id).equals("approved"));
        JsonObject approval = f.approval(id);
        JsonObject vote = approval.getJsonArray("votes").getJsonObject(0);
        assertEquals("carol@example.com", vote.getString("reviewer"));
        assertEquals("slack", vote.getString("channel"));
        eventually("the card shows the outcome without buttons", 10, () -> f.slack.message(GOVERNANCE, card.ts()).button("approve") == null);
        PostedMessage updated = f.slack.message(GOVERNANCE, card.ts());
        assertTrue(updated.allText().toLowerCase().contains("approved"), updated.allText());
        eventually("a thread reply for the vote", 10, () -> f.slack.replies(GOVERNANCE, card.ts()).stream()
                .anyMatch(r -> r.text().contains("carol@example.com approved")));
        eventually("the requester told directly", 10, () -> f.slack.directChannel("U0ALICE") != null
                && !f.slack.messages(f.slack.directChannel("U0ALICE")).isEmpty());
        assertEquals(1, f.cards(GOVERNANCE, id).size(), "one card");
        JsonArray deliveries = approval.getJsonArray("deliveries");
        JsonObject slack = deliveries.getJsonObject(0);
        assertEquals("slack:" + GOVERNANCE, slack.getString("destination"));
        assertEquals(card.ts(), slack.getJsonObject("posted").getString("message"));
        assertEquals(List.of(), f.slack.violations());
    }

    @ParameterizedTest
    @EnumSource(value = Tamper.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aForgedRequestIsRefusedAndCountsNoVote(Tamper how) throws Exception {
        String id = f.hold(export("forged " + how + " " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        SignedRequest.Answer answer = f.send(f.driver.click(card, "approve", "U0CAROL").tampered(how));
        assertEquals(401, answer.status(), answer.body());
        assertEquals("unauthorized", new JsonObject(answer.body()).getString("code"));
        Thread.sleep(300);
        assertEquals("pending", status(id));
        assertEquals(0, f.approval(id).getJsonArray("votes").size());
    }

    @Test
    void aRequestTooOldOrFromTheFutureIsRefused() throws Exception {
        String id = f.hold(export("skewed " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        for (Duration skew : List.of(Duration.ofSeconds(-301), Duration.ofSeconds(301))) {
            assertEquals(401, f.send(f.driver.click(card, "approve", "U0CAROL").skewed(skew)).status(), skew.toString());
        }
        assertEquals("pending", status(id));
    }

    @Test
    void anIdenticalRequestIsAcceptedOnce() throws Exception {
        String id = f.hold(export("replayed " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        SignedRequest click = f.driver.click(card, "deny", "U0CAROL");
        assertEquals(200, f.send(click).status());
        SignedRequest.Answer again = f.send(click);
        assertEquals(401, again.status(), again.body());
        assertTrue(again.body().contains("received before"), again.body());
    }

    @Test
    void clicksThatMayNotCountAreAnsweredPrivatelyAndChangeNothing() throws Exception {
        String id = f.hold(export("refusals " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        int views = f.slack.views().size();
        record Case(String who, String action, String said) {
        }
        for (Case c : List.of(new Case("U0ERIN", "approve", "none of the required groups"),
                new Case("U0ALICE", "approve", "asked for this action"),
                new Case("U0MALLORY", "approve", "not a reviewer"),
                new Case("U0NOBODY", "approve", "not a reviewer"),
                new Case("U0ALICE", "deny", "asked for this action"),
                new Case("U0CAROL", "escalate", "did nothing"))) {
            int before = f.slack.responses().size();
            SignedRequest request = c.action().equals("escalate")
                    ? f.driver.click(id, "escalate", c.who(), GOVERNANCE, card.ts()) : f.driver.click(card, c.action(), c.who());
            SignedRequest.Answer answer = f.send(request);
            assertEquals(200, answer.status(), c + ": " + answer.body());
            eventually(c + " answered privately", 10, () -> f.slack.responses().size() > before);
            JsonNode said = f.slack.responses().get(f.slack.responses().size() - 1);
            assertEquals("ephemeral", said.path("response_type").asText());
            assertTrue(said.path("text").asText().contains(c.said()), c + ": " + said);
            assertEquals("pending", status(id), c.toString());
            assertEquals(0, f.approval(id).getJsonArray("votes").size(), c.toString());
        }
        assertEquals(views, f.slack.views().size(), "no reason was asked of someone whose deny cannot count");

        assertEquals(200, f.send(f.driver.click(card, "approve", "U0DAN")).status(), "dan, known by email");
        eventually("approved by dan", 10, () -> status(id).equals("approved"));
        int before = f.slack.responses().size();
        assertEquals(200, f.send(f.driver.click(id, "approve", "U0CAROL", GOVERNANCE, card.ts())).status());
        eventually("a late click answered privately", 10, () -> f.slack.responses().size() > before);
        assertTrue(f.slack.responses().get(f.slack.responses().size() - 1).path("text").asText().contains("final"));
        assertEquals(1, f.approval(id).getJsonArray("votes").size());
    }

    @Test
    void aClickFromAnotherWorkspaceChangesNothing() throws Exception {
        String id = f.hold(export("foreign " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        SlackClickDriver foreign = new SlackClickDriver(SlackFixture.SIGNING_SECRET, f.slack, "T0OTHER");
        int before = f.slack.responses().size();
        assertEquals(200, f.send(foreign.click(card, "approve", "U0CAROL")).status());
        eventually("answered privately", 10, () -> f.slack.responses().size() > before);
        assertTrue(f.slack.responses().get(f.slack.responses().size() - 1).path("text").asText().contains("own Slack workspace"));
        assertEquals("pending", status(id));
    }

    @Test
    void denyAsksForTheReasonInAModalAndTheReasonIsTheVotesComment() throws Exception {
        String id = f.hold(export("deny with reason " + UUID.randomUUID()));
        PostedMessage card = f.card(GOVERNANCE, id);
        int views = f.slack.views().size();
        assertEquals(200, f.send(f.driver.click(card, "deny", "U0CAROL")).status());
        eventually("the reason modal opened", 10, () -> f.slack.views().size() > views);
        JsonNode modal = f.slack.views().get(f.slack.views().size() - 1);
        assertEquals("pending", status(id), "nothing counts before the reason is given");

        SignedRequest.Answer submitted = f.send(f.driver.submit(modal, "U0CAROL", "Raw PII may not leave the EU."));
        assertEquals(200, submitted.status(), submitted.body());
        assertEquals("", submitted.body(), "an empty answer closes the modal");
        eventually("denied", 10, () -> status(id).equals("denied"));
        JsonObject vote = f.approval(id).getJsonArray("votes").getJsonObject(0);
        assertEquals("deny", vote.getString("vote"));
        assertEquals("Raw PII may not leave the EU.", vote.getString("comment"));

        SignedRequest.Answer late = f.send(f.driver.submit(modal, "U0DAN", "me too"));
        assertEquals(200, late.status());
        JsonObject kept = new JsonObject(late.body());
        assertEquals("errors", kept.getString("response_action"), "a deny that cannot count keeps the modal open");
        assertTrue(kept.getJsonObject("errors").getString("reason").contains("final"), late.body());
        assertEquals(1, f.approval(id).getJsonArray("votes").size());
    }

    @Test
    void theInteractionsAreCountedByOutcome() throws Exception {
        String id = f.hold(export("counted " + UUID.randomUUID()));
        assertEquals(200, f.send(f.driver.click(f.card(GOVERNANCE, id), "approve", "U0CAROL")).status());
        eventually("approved", 10, () -> status(id).equals("approved"));
        String metrics = f.node.get("/metrics", null).bodyAsString();
        assertTrue(metrics.contains("countersign_slack_interactions_total"), metrics);
        assertTrue(metrics.contains("countersign_slack_calls_total{call=\"post\",outcome=\"ok\"}"), metrics);
        assertTrue(metrics.contains("countersign_event_deliveries_total{outcome=\"delivered\",sink=\"slack\"}"), metrics);
        JsonObject ready = f.node.get("/health/ready", null).bodyAsJsonObject();
        assertEquals("up", ready.getJsonObject("checks").getJsonObject("slack").getString("status"), ready.encode());
    }

    private static String status(String id) {
        try {
            return f.approval(id).getString("status");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
