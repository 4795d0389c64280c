package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static dev.countersign.connectors.Awaits.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Health;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.Sent;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Slack connector against a fake Slack that checks every wire detail: what reviewers end up seeing, and what was sent. */
@ExtendWith(VertxExtension.class)
class SlackConnectorTest {
    private FakeSlack slack;
    private SlackConnector connector;
    private Destination security;

    @BeforeEach
    void start(Vertx vertx) {
        slack = await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").user("U0CAROL", "carol@example.com")
                .user("U0DAN", "dan@example.com").user("U0ALICE", "alice@example.com");
        connector = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl()));
        security = connector.destination("slack:C0SECURITY");
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(slack.close());
    }

    @Test
    void oneCardIsPostedRepliedToInItsThreadAndUpdatedToApprovedWithItsButtonsGone() {
        Sent card = await(connector.post(security, SampleApprovals.pending()));
        assertEquals("C0SECURITY", card.conversation());
        assertEquals(2, slack.messages("C0SECURITY").get(0).buttons().size());

        Sent first = await(connector.reply(card, "carol@example.com approved. <!channel> look", List.of("U0CAROL")));
        await(connector.reply(card, "dan@example.com approved; it is approved."));
        await(connector.update(card, SampleApprovals.approved()));

        List<PostedMessage> cards = slack.messages("C0SECURITY");
        assertEquals(1, cards.size(), "exactly one card in C0SECURITY");
        PostedMessage now = cards.get(0);
        assertEquals(card.messageId(), now.ts());
        assertEquals(1, now.edits());
        assertEquals(List.of(), now.buttons(), "the approved card still has buttons");
        assertTrue(now.allText().contains("*Approved* by `dan@example.com`"), now.allText());
        List<PostedMessage> replies = slack.replies("C0SECURITY", card.messageId());
        assertEquals(2, replies.size());
        assertEquals(first.messageId(), replies.get(0).ts());
        assertEquals(List.of("@U0CAROL"), replies.get(0).mentionsAndLinks(), "only the explicit mention may notify anyone");
        assertEquals(List.of(), replies.get(1).mentionsAndLinks());
        assertEquals(List.of(), slack.violations());
    }

    @Test
    void everyCallSendsJsonWithTheTokenInTheHeaderOnlyAndNoLinkPreviews() {
        await(connector.post(security, SampleApprovals.pending()));
        ReceivedRequest post = slack.requests("chat.postMessage").get(0);
        assertEquals("application/json; charset=utf-8", post.contentType());
        assertTrue(post.bearer() && post.tokenMatched());
        assertFalse(post.json().toString().contains(FakeSlack.BOT_TOKEN), "the token is in the body");
        assertFalse(post.json().path("unfurl_links").asBoolean(true));
        assertFalse(post.json().path("unfurl_media").asBoolean(true));
    }

    @Test
    void theHostileCardIsAcceptedAndNotifiesNoOne() {
        Sent card = await(connector.post(security, SampleApprovals.hostile()));
        PostedMessage stored = slack.message("C0SECURITY", card.messageId());
        assertEquals(List.of(), stored.mentionsAndLinks(), "the hostile card mentions or links: " + stored.mentionsAndLinks());
        assertFalse(stored.text().contains("<"));
    }

    @Test
    void aPersonIsNotifiedWithoutButtonsByUserIdOrByEmail() {
        await(connector.notify("U0ALICE", SampleApprovals.approved()));
        await(connector.notify("dan@example.com", SampleApprovals.denied()));

        PostedMessage toAlice = slack.messages(slack.directChannel("U0ALICE")).get(0);
        assertEquals("D0ALICE", toAlice.channel());
        assertEquals(List.of(), toAlice.buttons());
        assertEquals(1, slack.messages(slack.directChannel("U0DAN")).size());
        assertEquals("dan@example.com", slack.requests("users.lookupByEmail").get(0).params().get("email"));
        assertEquals("GET", slack.requests("users.lookupByEmail").get(0).httpMethod());
    }

    @Test
    void aDirectMessageIsKeptByTheChannelSlackAnsweredWith() {
        Sent dm = await(connector.post(connector.destination("slack:U0CAROL"), SampleApprovals.pending()));
        assertEquals("D0CAROL", dm.conversation(), "a card posted to a user lives in the DM channel");
        await(connector.update(dm, SampleApprovals.expired()));
        assertEquals(1, slack.message("D0CAROL", dm.messageId()).edits());
    }

    @Test
    void notifyingSomeoneWhoIsNotAUserIdOrEmailIsRefusedWithoutARequest() {
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, failure(connector.notify("alice", SampleApprovals.pending())));
        assertTrue(e.getMessage().contains("neither a Slack user id"), e.getMessage());
        assertEquals("users_not_found", connectorFailure(connector.notify("nobody@example.com", SampleApprovals.pending())).code());
        assertEquals(0, slack.requests("chat.postMessage").size());
    }

    @Test
    void healthIsAuthTestAndADeadTokenIsDownNotAFailure(Vertx vertx) {
        Health up = await(connector.health());
        assertTrue(up.up());
        assertTrue(up.detail().contains("Fake Workspace (T0FAKE)"), up.detail());

        SlackConnector wrong = new SlackConnector(vertx, SlackSettings.of(Secret.of("xoxb-not-the-token")).withBaseUrl(slack.baseUrl()));
        Health down = await(wrong.health());
        assertFalse(down.up());
        assertTrue(down.detail().startsWith("invalid_auth"), down.detail());
        assertFalse(down.detail().contains("xoxb-not-the-token"));
        slack.revokeToken();
        assertTrue(await(connector.health()).detail().startsWith("token_revoked"));
        await(wrong.close());
    }

    @Test
    void theWorkspaceIdIsAskedOnceAndKeptAlsoFromHealthButAFailureIsNotKept(Vertx vertx) {
        slack.fail("auth.test", null, new SlackFailure.Status(503));
        assertEquals("http_503", connectorFailure(connector.teamId()).code());
        assertEquals(FakeSlack.TEAM_ID, await(connector.teamId()));
        assertEquals(FakeSlack.TEAM_ID, await(connector.teamId()));
        assertEquals(2, slack.requests("auth.test").size(), "a failure was kept, or the kept id was asked for again");

        SlackConnector fresh = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl()));
        assertEquals(List.of(FakeSlack.TEAM_ID, FakeSlack.TEAM_ID), await(io.vertx.core.Future.all(fresh.teamId(), fresh.teamId())).list());
        assertEquals(3, slack.requests("auth.test").size(), "two callers at once asked twice");
        SlackConnector healthFirst = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl()));
        assertTrue(await(healthFirst.health()).up());
        assertEquals(FakeSlack.TEAM_ID, await(healthFirst.teamId()));
        assertEquals(4, slack.requests("auth.test").size(), "what health's auth.test named was not kept");
        await(fresh.close());
        await(healthFirst.close());
    }

    @Test
    void aMessageTheBotDidNotPostOrThatDoesNotExistCannotBeUpdated() {
        String foreign = slack.foreignMessage("C0SECURITY", "someone's message");
        ConnectorFailure notOurs = connectorFailure(connector.update(new Sent(security, "C0SECURITY", foreign), SampleApprovals.approved()));
        assertEquals("cant_update_message", notOurs.code());
        assertTrue(notOurs.isPermanent());
        ConnectorFailure missing = connectorFailure(connector.update(new Sent(security, "C0SECURITY", "1111111111.000001"), SampleApprovals.approved()));
        assertEquals("message_not_found", missing.code());
        assertEquals("someone's message", slack.message("C0SECURITY", foreign).text());
    }

    @Test
    void aReferenceThatIsNotSlacksIsRefusedBeforeAnythingIsSent() {
        assertInstanceOf(IllegalArgumentException.class, failure(connector.update(new Sent(security, "#security", "1.2"), SampleApprovals.approved())));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.update(new Sent(security, "C0SECURITY", "12"), SampleApprovals.approved())));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.reply(new Sent(security, "C0SECURITY", "1.2"), "x", List.of("@carol"))));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.post(new Destination("slack", "#security"), SampleApprovals.pending())));
        assertEquals(List.of(), slack.requests());
    }

    @Test
    void aReplyToAThreadThatDoesNotExistIsRefusedForGood() {
        ConnectorFailure f = connectorFailure(connector.reply(new Sent(security, "C0SECURITY", "1111111111.000001"), "hello"));
        assertEquals("thread_not_found", f.code());
        assertTrue(f.isPermanent());
    }

    @Test
    void aDenyClickOpensTheReasonModalOnceWithinThreeSeconds() {
        Sent card = await(connector.post(security, SampleApprovals.pending()));
        Click click = new Click(SampleApprovals.ID, ReviewerChoice.DENY, "U0DAN", "dan", FakeSlack.TEAM_ID, slack.issueTrigger(), null,
                card.conversation(), card.messageId());
        await(connector.openDenyReason(click));

        JsonNode view = slack.views().get(0);
        assertEquals(SlackViews.DENY_CALLBACK, view.path("callback_id").asText());
        assertEquals(new SlackViews.CardRef(SampleApprovals.ID, "C0SECURITY", card.messageId()),
                SlackViews.metadata(view.path("private_metadata").asText()));
        assertEquals("exchanged_trigger_id", connectorFailure(connector.openDenyReason(click)).code());
        Click late = new Click(SampleApprovals.ID, ReviewerChoice.DENY, "U0DAN", "dan", FakeSlack.TEAM_ID,
                slack.issueTrigger(java.time.Duration.ofSeconds(4)), null, card.conversation(), card.messageId());
        assertEquals("expired_trigger_id", connectorFailure(connector.openDenyReason(late)).code());
    }

    @Test
    void aClickerIsAnsweredPrivatelyOnlyThroughSlacksOwnResponseUrl(Vertx vertx) {
        String url = slack.issueResponseUrl();
        await(connector.ephemeral(url, "You cannot approve your own request <!here>."));
        JsonNode answer = slack.responses().get(0);
        assertEquals("ephemeral", answer.path("response_type").asText());
        assertFalse(answer.path("replace_original").asBoolean(true));
        assertEquals("You cannot approve your own request &lt;!here&gt;.", answer.path("text").asText());
        assertEquals(List.of(), slack.violations(), "the token went to the response_url");

        for (String elsewhere : List.of("https://evil.example/actions/1", "http://127.0.0.1:1/hooks/actions/x",
                "https://hooks.slack.com.evil.example/actions/1", "http://hooks.slack.com/actions/1", "https://user@hooks.slack.com/a")) {
            assertInstanceOf(IllegalArgumentException.class, failure(connector.ephemeral(elsewhere, "x")), elsewhere);
        }
        assertEquals(1, slack.requests("response_url").size());
    }

    @Test
    void usersAreLookedUpByGetAndKeptInABoundedCache(Vertx vertx) {
        MutableClock clock = new MutableClock();
        SlackConnector small = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl())
                .withUserCache(2, java.time.Duration.ofMinutes(10), clock));
        assertEquals("carol@example.com", await(small.email("U0CAROL")));
        await(small.email("U0DAN"));
        await(small.email("U0ALICE"));   // the cache holds two: carol goes
        assertEquals(2, small.cachedUsers());
        await(small.email("U0ALICE"));
        assertEquals(3, slack.requests("users.info").size(), "a cached user was asked for again");
        await(small.email("U0CAROL"));
        assertEquals(4, slack.requests("users.info").size(), "the cache kept more than two");
        clock.advance(java.time.Duration.ofMinutes(11));
        await(small.email("U0CAROL"));
        assertEquals(5, slack.requests("users.info").size(), "a user was kept past the cache's time");
        assertTrue(slack.requests("users.info").stream().allMatch(r -> r.httpMethod().equals("GET") && r.json() == null));
        await(small.close());
    }

    @Test
    void anEmailIsOnlyGivenWhenSlackShowsOneForALiveAccount(Vertx vertx) {
        slack.deactivatedUser("U0GONE", "gone@example.com");
        assertEquals("user_deleted", connectorFailure(connector.email("U0GONE")).code());
        assertEquals("user_not_found", connectorFailure(connector.email("U0NOBODY")).code());
        slack.scopes("chat:write", "users:read");
        SlackConnector fresh = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl()));
        ConnectorFailure none = connectorFailure(fresh.email("U0DAN"));
        assertEquals("no_email", none.code());
        assertTrue(none.getMessage().contains("users:read.email"));
        await(fresh.close());
    }

    @Test
    void noSecretIsShownBySettingsOrFailures(Vertx vertx) {
        SlackSettings settings = SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl());
        assertFalse(settings.toString().contains(FakeSlack.BOT_TOKEN), settings.toString());
        slack.fail("chat.postMessage", null, SlackFailure.error("invalid_auth"));
        ConnectorFailure f = connectorFailure(connector.post(security, SampleApprovals.pending()));
        assertFalse(String.valueOf(f.getMessage()).contains(FakeSlack.BOT_TOKEN));
        assertNotEquals(null, f.getMessage());
    }

    /** A clock a test moves by hand. */
    static final class MutableClock extends java.time.Clock {
        private java.time.Instant now = java.time.Instant.parse("2026-03-02T09:00:00Z");

        void advance(java.time.Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    /** Calls from a thread that is not Vert.x's (a worker, a test) each get their answer (Exchange runs every step on one event loop). */
    @Test
    void manyCallsFromAThreadThatIsNotVertxsEachGetTheirAnswer() {
        for (int i = 0; i < 300; i++) {
            Health h = await(connector.health());
            assertTrue(h.up(), "call " + i + ": " + h.detail());
        }
    }

    @Test
    void aRouteTargetThatIsNotAnIdSaysWhatToGive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> connector.destination("slack:#general"));
        assertEquals("slack:#general is not a channel id; give the channel's id, such as C0123456789", e.getMessage());
    }
}
