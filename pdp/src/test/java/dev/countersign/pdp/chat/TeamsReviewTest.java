package dev.countersign.pdp.chat;

import static dev.countersign.pdp.chat.SlackFixture.export;
import static dev.countersign.pdp.chat.TeamsFixture.ALICE;
import static dev.countersign.pdp.chat.TeamsFixture.APPROVALS;
import static dev.countersign.pdp.chat.TeamsFixture.CAROL;
import static dev.countersign.pdp.chat.TeamsFixture.DAN;
import static dev.countersign.pdp.chat.TeamsFixture.ERIN;
import static dev.countersign.pdp.chat.TeamsFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.TeamsFixture.MALLORY;
import static dev.countersign.pdp.chat.TeamsFixture.assertNoButtons;
import static dev.countersign.pdp.chat.TeamsFixture.buttons;
import static dev.countersign.pdp.chat.TeamsFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.teams.ActivityRequest;
import dev.countersign.connectors.teams.BotConnectorRequest.Operation;
import dev.countersign.connectors.teams.FakeBotIssuer.Forgery;
import dev.countersign.connectors.teams.InvokeResponse;
import dev.countersign.connectors.teams.InvokeResponses;
import dev.countersign.connectors.teams.StoredActivity;
import dev.countersign.connectors.teams.TeamsActivitySender;
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
 * Reviewers deciding in Microsoft Teams, end to end on a real node, a fake Bot Connector, token
 * endpoint and Bot Framework issuer: the card posted once as an Adaptive Card with the whole
 * context; a click answered at once with the card as the clicker now sees it, counted as their vote
 * and shown on the posted card, updated in place; deny reasons; refreshes that show each user their
 * own card and count nothing; clicks that may not count answered with a card saying why; every
 * forged or misdirected activity refused, audited, and counting nothing.
 */
class TeamsReviewTest {
    @TempDir
    static Path dir;
    static TeamsFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = TeamsFixture.start(dir, Clock.systemUTC(), UnaryOperator.identity());
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    /** The card's text with the Markdown emphasis and escapes taken out, as a reader sees it. */
    static String shown(StoredActivity card) {
        return card.allText().replace("**", "").replaceAll("\\\\(.)", "$1");
    }

    static String shown(JsonNode card) {
        StringBuilder out = new StringBuilder();
        card.path("body").forEach(e -> {
            out.append(e.path("text").asText("")).append('\n');
            e.path("facts").forEach(x -> out.append(x.path("title").asText()).append(": ").append(x.path("value").asText()).append('\n'));
        });
        return out.toString().replace("**", "").replaceAll("\\\\(.)", "$1");
    }

    /** The card of an invoke response answered 200, after checking the response's shape. */
    static JsonNode answeredCard(ActivityRequest.Answer answer) {
        assertEquals(200, answer.status(), answer.body());
        assertEquals(InvokeResponse.CONTENT_TYPE, answer.contentType());
        JsonNode body = answer.json();
        assertNotNull(body, answer.body());
        assertEquals(200, body.path("statusCode").asInt(), answer.body());
        assertEquals(InvokeResponses.CARD, body.path("type").asText(), answer.body());
        assertEquals("AdaptiveCard", body.path("value").path("type").asText(), answer.body());
        return body.path("value");
    }

    static String role(String grantee) {
        return "{\"actor\": {\"id\": \"ops-bot@example.com\", \"type\": \"agent\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"" + grantee + "\"}";
    }

    @Test
    void aHeldActionIsPostedOnceAsAnAdaptiveCardAndAnApproveClickDecidesItAndUpdatesTheCardInPlace() throws Exception {
        String id = f.hold(export("approve from teams " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        assertEquals("1.5", card.card().path("version").asText());
        String text = shown(card);
        for (String part : List.of("agent:etl-bot", "alice@example.com", "data.export", "COPY customers TO 's3://x'", "prod.customers", "pii",
                "production", "eu-west-1", "us-east-1", "gpt-4.1", "crm", "gdpr", "agent exports of production data need data governance",
                "approvals.drl:", "data-governance", "0 of 1", id)) {
            assertTrue(text.contains(part), "the card shows " + part + ": " + text);
        }
        assertEquals(List.of("approve", "deny"), card.verbs());
        for (JsonNode action : card.card().path("actions")) {
            assertEquals("Action.Execute", action.path("type").asText());
            assertEquals(id, action.path("data").path("approval_id").asText());
            assertEquals("Action.Submit", action.path("fallback").path("type").asText(), "a fallback for old clients");
        }

        ActivityRequest.Answer answer = f.send(f.on(card).execute("approve", id, null, CAROL));
        JsonNode answered = answeredCard(answer);
        assertNoButtons(answered, "the clicker's card once it is approved");
        assertTrue(shown(answered).contains("Approved"), shown(answered));
        assertTrue(answer.took().compareTo(Duration.ofSeconds(8)) < 0, "answered within Teams' patience: " + answer.took());

        assertEquals("approved", f.status(id));
        JsonObject vote = f.votes(id).getJsonObject(0);
        assertEquals("carol@example.com", vote.getString("reviewer"));
        assertEquals("approve", vote.getString("vote"));
        assertEquals("teams", vote.getString("channel"));

        eventually("the posted card updated without buttons", 15, () -> f.bot.activity(GOVERNANCE, card.id()).verbs().isEmpty());
        StoredActivity updated = f.bot.activity(GOVERNANCE, card.id());
        assertTrue(updated.version() >= 1, "updated in place");
        assertNoButtons(updated.card(), "the posted card");
        assertTrue(shown(updated).contains("Approved by carol@example.com"), shown(updated));
        assertTrue(f.bot.requests(Operation.UPDATE).stream().anyMatch(r -> "PUT".equals(r.httpMethod()) && card.id().equals(r.activityId())
                && GOVERNANCE.equals(r.conversation()) && r.status() == 200), "a PUT of the card's activity");
        eventually("a thread reply for the vote", 10, () -> f.replies(GOVERNANCE, card.id()).stream()
                .anyMatch(r -> r.text() != null && r.text().contains("carol@example.com approved")));
        eventually("the requester told in a personal chat", 10, () -> f.bot.personalChat(ALICE.aadObjectId()) != null
                && !f.bot.activities(f.bot.personalChat(ALICE.aadObjectId())).isEmpty());
        assertEquals(1, f.cards(GOVERNANCE, id).size(), "one card");
        JsonObject delivery = f.delivery(id, "teams:" + GOVERNANCE);
        assertEquals(card.id(), delivery.getJsonObject("posted").getString("message"));
        assertEquals(GOVERNANCE, delivery.getJsonObject("posted").getString("conversation"));
        assertEquals(List.of(), f.bot.violations());
    }

    @Test
    void denyTakesTheReasonTypedOnTheCardAsTheVotesComment() throws Exception {
        String id = f.hold(export("deny from teams " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        JsonNode answered = answeredCard(f.send(f.on(card).execute("deny", id, "Raw PII may not leave the EU.", CAROL)));
        assertNoButtons(answered, "the card once denied");
        assertEquals("denied", f.status(id));
        JsonObject vote = f.votes(id).getJsonObject(0);
        assertEquals("deny", vote.getString("vote"));
        assertEquals("Raw PII may not leave the EU.", vote.getString("comment"));
        assertEquals("teams", vote.getString("channel"));
        eventually("the posted card shows the reason", 15, () -> shown(f.bot.activity(GOVERNANCE, card.id())).contains("Raw PII may not leave the EU."));
        assertNoButtons(f.bot.activity(GOVERNANCE, card.id()).card(), "the denied card");
    }

    @Test
    void aRefreshAnswersEachUserTheirOwnCardAndRecordsNothing() throws Exception {
        String id = f.hold(export("refreshed " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        TeamsActivitySender on = f.on(card);

        JsonNode carol = answeredCard(f.send(on.refresh(id, CAROL)));
        assertEquals(List.of("approve", "deny"), buttons(carol), "a reviewer who may vote gets the buttons");
        assertTrue(carol.path("refresh").path("userIds").toString().contains(CAROL.userId()),
                "the card keeps refreshing for carol, now that Teams told her user id: " + carol.path("refresh"));

        record Case(TeamsActivitySender.Reviewer who, String told) {
        }
        for (Case c : List.of(new Case(MALLORY, "Only reviewers of data-governance can vote."),
                new Case(ERIN, "none of the required groups"),
                new Case(ALICE, "You asked for this"))) {
            JsonNode theirs = answeredCard(f.send(on.refresh(id, c.who())));
            assertNoButtons(theirs, c.who().name() + "'s card");
            assertTrue(shown(theirs).contains(c.told()), c.who().name() + ": " + shown(theirs));
        }
        JsonNode again = answeredCard(f.send(on.invoke("approve", id, null, "automatic", CAROL)));
        assertEquals(List.of("approve", "deny"), buttons(again), "an automatic trigger is a refresh whatever its verb");

        Thread.sleep(300);
        assertEquals("pending", f.status(id));
        assertEquals(0, f.votes(id).size(), "a refresh is never a vote");
        assertFalse(carol.path("refresh").path("userIds").toString().contains(MALLORY.userId()), "only the directory's reviewers are listed");
    }

    @Test
    void clicksThatMayNotCountAreAnsweredWithACardSayingWhyAndChangeNothing() throws Exception {
        String id = f.hold(export("refusals " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        TeamsActivitySender on = f.on(card);
        record Case(TeamsActivitySender.Reviewer who, String verb, String told) {
        }
        for (Case c : List.of(new Case(MALLORY, "approve", "Only reviewers of data-governance can vote."),
                new Case(ERIN, "approve", "none of the required groups"),
                new Case(ALICE, "approve", "You asked for this"),
                new Case(ALICE, "deny", "You asked for this"))) {
            JsonNode answered = answeredCard(f.send(on.execute(c.verb(), id, c.verb().equals("deny") ? "no" : null, c.who())));
            assertNoButtons(answered, c.toString());
            assertTrue(shown(answered).contains(c.told()), c + ": " + shown(answered));
            assertEquals("pending", f.status(id), c.toString());
            assertEquals(0, f.votes(id).size(), c.toString());
        }

        answeredCard(f.send(on.execute("approve", id, null, DAN)));
        assertEquals("approved", f.status(id));
        JsonNode late = answeredCard(f.send(on.execute("deny", id, "too late", CAROL)));
        assertNoButtons(late, "a click on a decided approval");
        assertTrue(shown(late).contains("Approved by dan@example.com"), "the card says it is decided: " + shown(late));
        assertEquals(1, f.votes(id).size(), "the late click counts nothing");
    }

    @Test
    void aSecondVoteOfTheSameReviewerCountsNothingAndADuplicateClickIsOneVote() throws Exception {
        String id = f.hold(role("g-" + UUID.randomUUID()));
        StoredActivity card = f.card(APPROVALS, id);
        ActivityRequest click = f.on(card).execute("approve", id, null, CAROL);
        JsonNode first = answeredCard(f.send(click));
        assertNoButtons(first, "carol's card after her vote");
        assertTrue(shown(first).contains("You approved this."), shown(first));
        JsonNode redelivered = answeredCard(f.send(click));
        assertTrue(shown(redelivered).contains("You approved this."), shown(redelivered));
        assertEquals(1, f.votes(id).size(), "the same activity delivered twice is one vote");
        assertEquals("pending", f.status(id), "security needs two");

        JsonNode changed = answeredCard(f.send(f.on(card).execute("deny", id, "changed my mind", CAROL)));
        assertNoButtons(changed, "a second vote");
        assertTrue(shown(changed).contains("You approved this."), shown(changed));
        assertEquals(1, f.votes(id).size());
        assertEquals("approve", f.votes(id).getJsonObject(0).getString("vote"));
        assertEquals("pending", f.status(id));

        JsonNode dan = answeredCard(f.send(f.on(card).refresh(id, DAN)));
        assertEquals(List.of("approve", "deny"), buttons(dan), "dan still may vote");
    }

    @Test
    void theLegacySubmitIsAnsweredEmptyThenTheCardIsUpdated() throws Exception {
        String id = f.hold(export("legacy " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        ActivityRequest.Answer answer = f.send(f.on(card).submit("approve", id, null, CAROL));
        assertEquals(200, answer.status(), answer.body());
        eventually("approved", 10, () -> f.status(id).equals("approved"));
        assertEquals("teams", f.votes(id).getJsonObject(0).getString("channel"));
        eventually("the card PUT-updated without buttons", 15, () -> f.bot.activity(GOVERNANCE, card.id()).verbs().isEmpty());
        assertTrue(f.bot.requests(Operation.UPDATE).stream().anyMatch(r -> card.id().equals(r.activityId())));
    }

    /** The forgeries the Bot Framework accepts: genuine, within the clock skew, or signed by a key that lists no endorsements. */
    static final List<Forgery> ACCEPTED = List.of(Forgery.NONE, Forgery.EXPIRED_WITHIN_SKEW, Forgery.NOT_YET_VALID_WITHIN_SKEW,
            Forgery.KEY_WITHOUT_ENDORSEMENTS);

    @ParameterizedTest
    @EnumSource(Forgery.class)
    void aForgedTokenIsRefusedAuditedAndCountsNoVoteWhileAGenuineOneCounts(Forgery how) throws Exception {
        String id = f.hold(export("forged " + how + " " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        int audited = f.connectorAudit("refused").size();
        ActivityRequest.Answer answer = f.send(f.on(card).execute("approve", id, null, CAROL).forged(how));
        if (ACCEPTED.contains(how)) {
            answeredCard(answer);
            assertEquals("approved", f.status(id), how.toString());
            return;
        }
        int expected = how == Forgery.UNENDORSED_KEY ? 403 : 401;
        assertEquals(expected, answer.status(), how + ": " + answer.body());
        refusedAndAudited(id, audited, expected, how.toString());
    }

    @Test
    void anotherChannelOrTenantOrNoTokenIsRefusedAndAudited() throws Exception {
        String id = f.hold(export("misdirected " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        ActivityRequest click = f.on(card).execute("approve", id, null, CAROL);
        record Case(String what, ActivityRequest request, int status) {
        }
        for (Case c : List.of(new Case("channel slack", click.withChannelId("slack"), 403),
                new Case("another tenant", click.withTenant(TeamsActivitySender.OTHER_TENANT_ID), 403),
                new Case("two tenants", click.withTenants(f.tokens.tenantId(), TeamsActivitySender.OTHER_TENANT_ID), 403),
                new Case("a token for another bot", click.forApp(UUID.randomUUID().toString()), 401),
                new Case("no Authorization", click.withAuthorization(null), 401),
                new Case("a Basic Authorization", click.withAuthorization("Basic Y2Fyb2w6cGFzcw=="), 401))) {
            int audited = f.connectorAudit("refused").size();
            ActivityRequest.Answer answer = f.send(c.request());
            assertEquals(c.status(), answer.status(), c.what() + ": " + answer.body());
            refusedAndAudited(id, audited, c.status(), c.what());
        }
        answeredCard(f.send(click.withHeader("x-ms-tenant-id", TeamsActivitySender.OTHER_TENANT_ID)));
        assertEquals("approved", f.status(id), "a tenant hint in a header is never read");
    }

    @Test
    void anAuthenticActionTheBotDoesNotHandleIsA400ErrorAndCountsNothing() throws Exception {
        String id = f.hold(export("unhandled " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        ActivityRequest click = f.on(card).execute("approve", id, null, CAROL);
        record Case(String what, ActivityRequest request, String code) {
        }
        for (Case c : List.of(
                new Case("another action type", click.edited(a -> ((ObjectNode) a.path("value").path("action"))
                        .put("type", "Action.Submit")), "unsupported_action"),
                new Case("another verb", f.on(card).execute("escalate", id, null, CAROL), "unknown_verb"))) {
            ActivityRequest.Answer answer = f.send(c.request());
            assertEquals(400, answer.status(), c.what() + ": " + answer.body());
            assertEquals(InvokeResponses.ERROR, answer.json().path("type").asText(), answer.body());
            assertEquals(c.code(), answer.json().path("value").path("code").asText(), answer.body());
        }
        ActivityRequest.Answer hello = f.send(f.on(card).message("hello bot", CAROL));
        assertEquals(200, hello.status(), "a plain message is acknowledged and ignored: " + hello.body());
        Thread.sleep(200);
        assertEquals("pending", f.status(id));
        assertEquals(0, f.votes(id).size());
    }

    private static void refusedAndAudited(String id, int auditedBefore, int status, String what) throws Exception {
        eventually(what + " audited", 10, () -> f.connectorAudit("refused").size() > auditedBefore);
        JsonObject record = f.connectorAudit("refused").get(auditedBefore);
        assertEquals("teams", record.getString("connector"), record.encode());
        assertEquals(status, record.getInteger("status"), record.encode());
        assertFalse(record.encode().contains("eyJ"), "no token in the audit: " + record.encode());
        Thread.sleep(200);
        assertEquals("pending", f.status(id), what);
        assertEquals(0, f.votes(id).size(), what);
    }

    @Test
    void aClickFromAConversationTheCardWasNotPostedToCountsNothingAndIsAudited() throws Exception {
        String id = f.hold(export("foreign " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        int audited = f.connectorAudit("foreign_conversation").size();
        TeamsActivitySender elsewhere = f.sender.onCard(APPROVALS, card.id());
        TeamsActivitySender otherService = new TeamsActivitySender(f.issuer, f.tokens.appId(), f.tokens.tenantId(),
                "http://127.0.0.1:9/emea/").onCard(GOVERNANCE, card.id());
        for (ActivityRequest r : List.of(elsewhere.execute("approve", id, null, CAROL), elsewhere.refresh(id, CAROL),
                otherService.execute("approve", id, null, CAROL))) {
            ActivityRequest.Answer answer = f.send(r);
            assertEquals(200, answer.status(), answer.body());
            assertEquals(InvokeResponses.MESSAGE, answer.json().path("type").asText(), "no card is shown there: " + answer.body());
        }
        eventually("audited", 10, () -> f.connectorAudit("foreign_conversation").size() >= audited + 3);
        JsonObject record = f.connectorAudit("foreign_conversation").get(audited);
        assertEquals(id, record.getString("approval_id"), record.encode());
        assertEquals(APPROVALS, record.getString("conversation"), record.encode());
        assertEquals(CAROL.aadObjectId(), record.getString("aad_object_id"), record.encode());
        assertEquals("pending", f.status(id));
        assertEquals(0, f.votes(id).size());
    }

    @Test
    void aClickFromTheThreadTeamsMadeOfTheCardInAChannelCounts() throws Exception {
        String id = f.hold(export("channel thread " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        // A card posted to a channel starts a thread: Teams names its conversation <channel>;messageid=<card's activity id>.
        TeamsActivitySender thread = f.sender.onCard(GOVERNANCE + ";messageid=" + card.id(), card.id());
        answeredCard(f.send(thread.execute("approve", id, null, CAROL)));
        assertEquals("approved", f.status(id));
        int audited = f.connectorAudit("foreign_conversation").size();
        String other = f.hold(export("another thread " + UUID.randomUUID()));
        StoredActivity otherCard = f.card(GOVERNANCE, other);
        TeamsActivitySender wrongThread = f.sender.onCard(GOVERNANCE + ";messageid=" + card.id(), otherCard.id());
        ActivityRequest.Answer answer = f.send(wrongThread.execute("approve", other, null, CAROL));
        assertEquals(InvokeResponses.MESSAGE, answer.json().path("type").asText(), "the thread of another card: " + answer.body());
        eventually("audited", 10, () -> f.connectorAudit("foreign_conversation").size() > audited);
        assertEquals("pending", f.status(other));
    }

    @Test
    void aClickThroughARegionalPathOfTheSameBotConnectorCounts() throws Exception {
        String id = f.hold(export("regional " + UUID.randomUUID()));
        StoredActivity card = f.card(GOVERNANCE, id);
        // Cards go out through the configured base (…/amer/); Teams sends activities with its regional one.
        String regional = f.bot.serviceUrl().replace("/amer/", "/emea/" + f.tokens.tenantId() + "/");
        TeamsActivitySender emea = new TeamsActivitySender(f.issuer, f.tokens.appId(), f.tokens.tenantId(), regional)
                .onCard(card.conversation(), card.id());
        answeredCard(f.send(emea.execute("approve", id, null, CAROL)));
        assertEquals("approved", f.status(id));
    }

    @Test
    void readinessListsTeamsAndTheActivitiesAndCallsAreCounted() throws Exception {
        String id = f.hold(export("counted " + UUID.randomUUID()));
        answeredCard(f.send(f.on(f.card(GOVERNANCE, id)).execute("approve", id, null, CAROL)));
        eventually("the card updated", 15, () -> f.bot.activity(GOVERNANCE, f.cards(GOVERNANCE, id).get(0).id()).verbs().isEmpty());
        eventually("ready lists teams as up", 40, () -> {
            try {
                JsonObject ready = f.node.get("/health/ready", null).bodyAsJsonObject();
                JsonObject teams = ready.getJsonObject("checks").getJsonObject("teams");
                return teams != null && "up".equals(teams.getString("status"));
            } catch (Exception e) {
                return false;
            }
        });
        String metrics = f.node.get("/metrics", null).bodyAsString();
        for (String line : List.of("countersign_teams_calls_total{call=\"post\",outcome=\"ok\"}",
                "countersign_teams_calls_total{call=\"update\",outcome=\"ok\"}",
                "countersign_teams_activities_total{outcome=\"counted\"}",
                "countersign_event_deliveries_total{outcome=\"delivered\",sink=\"teams\"}")) {
            assertTrue(metrics.contains(line), line + " in " + metrics);
        }
    }
}
