package dev.countersign.connectors.teams;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static dev.countersign.connectors.Awaits.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Health;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.Sent;
import dev.countersign.connectors.teams.BotConnectorRequest.Operation;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Teams connector against a fake token endpoint and a fake Bot Connector that check every wire detail: what reviewers end up seeing, and what was sent. */
@ExtendWith(VertxExtension.class)
class TeamsConnectorTest {
    static final String GENERAL = "19:8f3b2c1d0e9a4b7c6d5e@thread.tacv2";
    static final String GROUP_CHAT = "19:meeting_Zjk0YTc1@thread.v2";
    static final String CAROL = "29:1carolAbC-dEf_0123456789";
    static final String DAN = "29:1danXyZ_9876543210";
    static final String ALICE_AAD = "6b3f2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

    private FakeTeamsTokens tokens;
    private FakeBotConnector bot;
    private TeamsConnector connector;

    @BeforeEach
    void start(Vertx vertx) {
        tokens = await(FakeTeamsTokens.start(vertx));
        bot = await(FakeBotConnector.start(vertx, tokens)).channel(GENERAL).conversation(GROUP_CHAT).user(CAROL).user(DAN).user(ALICE_AAD);
        connector = new TeamsConnector(vertx, bot.settings());
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(bot.close());
        await(tokens.close());
    }

    @Test
    void oneCardIsPostedRepliedToAndUpdatedToApprovedWithItsButtonsGone() {
        Sent card = await(connector.post(connector.destination("teams:" + GENERAL), SampleApprovals.pending()));
        assertEquals(GENERAL, card.conversation());
        assertEquals(List.of("approve", "deny"), bot.activity(GENERAL, card.messageId()).verbs());

        Sent first = await(connector.replyMentioning(card, "carol approved. <at>Dan</at> look", List.of(new TeamsMention(CAROL, "Carol Jones"))));
        await(connector.reply(card, "dan approved; it is approved."));
        await(connector.update(card, SampleApprovals.approved()));

        List<StoredActivity> all = bot.activities(GENERAL);
        assertEquals(3, all.size(), "one card and two replies");
        StoredActivity now = all.get(0);
        assertEquals(card.messageId(), now.id());
        assertEquals(1, now.version(), "updated once");
        assertEquals(List.of(), now.verbs(), "the approved card still has buttons");
        assertTrue(now.allText().contains("**Approved** by dan@example.com"), now.allText());
        StoredActivity reply = bot.activity(GENERAL, first.messageId());
        assertEquals(card.messageId(), reply.replyToId());
        assertEquals(card.messageId(), all.get(2).replyToId());
        assertEquals("<at>Carol Jones</at> carol approved. &lt;at&gt;Dan&lt;/at&gt; look", reply.text());
        JsonNode mention = reply.mentions().get(0);
        assertEquals(1, reply.mentions().size(), "only the explicit mention may notify anyone");
        assertEquals("<at>Carol Jones</at>", mention.path("text").asText());
        assertEquals(CAROL, mention.path("mentioned").path("id").asText());
        assertEquals("Carol Jones", mention.path("mentioned").path("name").asText());
        assertEquals(List.of(), all.get(2).mentions());
        assertEquals(GENERAL + ";messageid=" + card.messageId(), first.conversation(), "a reply in a channel goes to the card's thread");
        assertTrue(bot.requests(Operation.SEND).stream().skip(1).allMatch(r -> (GENERAL + ";messageid=" + card.messageId()).equals(r.conversation())),
                "both replies were sent to the thread: " + bot.requests(Operation.SEND));
        assertEquals(List.of(), bot.violations(), "no reply sent to the channel itself, where it would show as a new post");
    }

    @Test
    void aChannelDestinationStartsANewThreadWhoseConversationTheUpdatesAndRepliesUse() {
        Sent first = await(connector.post(connector.destination("teams:channel:" + GENERAL), SampleApprovals.pending()));
        Sent second = await(connector.post(connector.destination("teams:channel:" + GENERAL), SampleApprovals.pending()));
        assertEquals(List.of(first.conversation(), second.conversation()), bot.threads(GENERAL), "each post is a thread of its own");
        assertEquals(GENERAL + ";messageid=" + first.messageId(), first.conversation());
        JsonNode create = bot.requests(Operation.CREATE_CONVERSATION).get(0).json();
        assertTrue(create.path("isGroup").asBoolean());
        assertEquals(GENERAL, create.path("channelData").path("channel").path("id").asText());
        assertEquals(FakeTeamsTokens.TENANT_ID, create.path("channelData").path("tenant").path("id").asText());
        assertEquals("message", create.path("activity").path("type").asText());

        await(connector.reply(first, "a reminder", List.of(DAN)));
        await(connector.update(first, SampleApprovals.denied()));
        List<StoredActivity> thread = bot.activities(first.conversation());
        assertEquals(2, thread.size());
        assertEquals(List.of(), thread.get(0).verbs());
        assertEquals(first.messageId(), thread.get(1).replyToId());
        assertEquals("<at>" + DAN + "</at> a reminder", thread.get(1).text(), "a mention by id alone shows the id");
        assertTrue(bot.requests(Operation.UPDATE).get(0).rawPath().contains("%3Bmessageid%3D" + first.messageId() + "/activities/"),
                "the thread's ; and = are percent-encoded: " + bot.requests(Operation.UPDATE).get(0).rawPath());
        assertEquals(List.of(), bot.violations());
    }

    @Test
    void aCardForAPersonGoesToTheirPersonalChatWhichTheSentKeeps() {
        Sent dm = await(connector.post(connector.destination("teams:" + CAROL), SampleApprovals.pending()));
        assertEquals(bot.personalChat(CAROL), dm.conversation());
        assertTrue(dm.conversation().startsWith("a:"), dm.conversation());
        await(connector.update(dm, SampleApprovals.expired()));
        assertEquals(1, bot.activity(dm.conversation(), dm.messageId()).version());
        JsonNode create = bot.requests(Operation.CREATE_CONVERSATION).get(0).json();
        assertFalse(create.path("isGroup").asBoolean(true));
        assertEquals(CAROL, create.path("members").path(0).path("id").asText());
        assertEquals("28:" + FakeTeamsTokens.APP_ID, create.path("bot").path("id").asText());
        assertEquals(List.of(), bot.violations());
    }

    @Test
    void aPersonIsNotifiedWithoutButtonsByUserIdOrEntraObjectId() {
        await(connector.notify(CAROL, SampleApprovals.approved()));
        await(connector.notify(CAROL, SampleApprovals.redeemed()));
        await(connector.notify(ALICE_AAD, SampleApprovals.denied()));
        List<StoredActivity> toCarol = bot.activities(bot.personalChat(CAROL));
        assertEquals(2, toCarol.size(), "both notices in the one personal chat");
        toCarol.forEach(a -> assertEquals(List.of(), a.verbs()));
        assertEquals(1, bot.activities(bot.personalChat(ALICE_AAD)).size());
        assertEquals(List.of(), bot.violations());

        int before = bot.requests().size();
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, failure(connector.notify("alice@example.com",
                SampleApprovals.pending())));
        assertTrue(e.getMessage().contains("neither a Teams user id"), e.getMessage());
        assertEquals(before, bot.requests().size(), "nothing was sent for a handle that is not an id");
        assertTrue(connector.reaches(CAROL) && connector.reaches(ALICE_AAD), "user ids and object ids are reached");
        assertFalse(connector.reaches("alice@example.com") || connector.reaches(null) || connector.reaches("U0CAROL"),
                "an email address, nothing, or another platform's id is not");
        assertEquals("BotNotInConversationRoster", connectorFailure(connector.notify("29:1stranger", SampleApprovals.pending())).code());
    }

    @Test
    void everyCallIsJsonUnderTheServiceUrlsPrefixWithTheTokenInTheHeaderAndTheIdPercentEncoded() {
        Sent card = await(connector.post(connector.destination("teams:" + GENERAL), SampleApprovals.pending()));
        await(connector.update(card, SampleApprovals.approved()));
        for (BotConnectorRequest r : bot.requests()) {
            assertTrue(r.rawPath().startsWith("/amer/v3/conversations/19%3A8f3b2c1d0e9a4b7c6d5e%40thread.tacv2/activities"), r.rawPath());
            assertEquals("application/json; charset=utf-8", r.contentType());
            assertTrue(r.tokenValid(), "the token was not one the token endpoint issued");
            assertFalse(r.json().toString().contains(FakeTeamsTokens.APP_PASSWORD), "the password is in the body");
            assertFalse(r.json().toString().contains(r.token()), "the token is in the body");
            assertEquals("message", r.json().path("type").asText());
            assertEquals(TeamsCards.CONTENT_TYPE, r.json().path("attachments").path(0).path("contentType").asText());
        }
        assertEquals(card.messageId(), bot.requests(Operation.UPDATE).get(0).json().path("id").asText(), "an update carries the whole activity, id included");
        assertEquals(card.messageId(), bot.requests(Operation.UPDATE).get(0).activityId());
        assertEquals(1, tokens.issued(), "one token for both calls");
    }

    @Test
    void aServiceUrlWithoutPrefixOrWithADeeperOneIsUsedAsItIs(Vertx vertx) {
        for (String prefix : List.of("", "teams/emea/")) {
            FakeBotConnector other = await(FakeBotConnector.start(vertx, tokens, prefix)).conversation(GROUP_CHAT);
            TeamsConnector elsewhere = new TeamsConnector(vertx, other.settings());
            try {
                Sent card = await(elsewhere.post(elsewhere.destination("teams:" + GROUP_CHAT), SampleApprovals.pending()));
                await(elsewhere.update(card, SampleApprovals.approved()));
                assertTrue(other.requests().get(0).rawPath().startsWith("/" + prefix + "v3/conversations/19%3Ameeting_Zjk0YTc1%40thread.v2/"));
                assertEquals(List.of(), other.violations());
            } finally {
                await(elsewhere.close());
                await(other.close());
            }
        }
    }

    @Test
    void theHostileCardAndAHostileReplyAreAcceptedAndMentionAndLinkNoOne() {
        Sent card = await(connector.post(connector.destination("teams:" + GROUP_CHAT), SampleApprovals.hostile()));
        StoredActivity stored = bot.activity(GROUP_CHAT, card.messageId());
        TeamsCardsTest.assertInert((com.fasterxml.jackson.databind.node.ObjectNode) stored.card());
        assertTrue(bot.requests().get(0).json().toString().length() < FakeBotConnector.MAX_ACTIVITY_BYTES);
        Sent reply = await(connector.reply(card, SampleApprovals.hostile().action().intent()));
        String text = bot.activity(GROUP_CHAT, reply.messageId()).text();
        assertFalse(text.replace("<br>", "").contains("<"), "markup in the reply: " + text.substring(0, 200));
        assertFalse(text.contains("http://"), "a link in the reply");
        assertTrue(text.length() <= TeamsConnector.REPLY_TEXT * 6, "the reply is bounded");
        assertEquals(List.of(), bot.violations());
    }

    @Test
    void findCannotListAConversationAndSaysSoByFindingNothing() {
        assertEquals(Optional.empty(), await(connector.find(connector.destination("teams:" + GENERAL), SampleApprovals.ID, Instant.EPOCH)));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.find(new Destination("teams", "general"), SampleApprovals.ID, Instant.EPOCH)));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.find(connector.destination("teams:" + GENERAL), null, Instant.EPOCH)));
        assertEquals(0, bot.requests().size());
    }

    @Test
    void anUpdateOfAnActivityTeamsDoesNotHoldIsPermanent() {
        ConnectorFailure f = connectorFailure(connector.update(new Sent(connector.destination("teams:" + GENERAL), GENERAL, "1772445699999"),
                SampleApprovals.approved()));
        assertTrue(f.isPermanent());
        assertEquals("NotFound", f.code());
        assertTrue(f.getMessage().contains("404"), f.getMessage());
    }

    @Test
    void aMessageOfAnotherPlatformOrABadIdIsRefusedWithoutARequest() {
        Sent slack = new Sent(new Destination("slack", "C0SECURITY"), "C0SECURITY", "1405894322.002768");
        assertInstanceOf(IllegalArgumentException.class, failure(connector.update(slack, SampleApprovals.approved())));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.reply(slack, "x")));
        Sent card = new Sent(connector.destination("teams:" + GENERAL), GENERAL, "1772445600001");
        IllegalArgumentException mention = assertInstanceOf(IllegalArgumentException.class, failure(connector.reply(card, "x", List.of("U0CAROL"))));
        assertTrue(mention.getMessage().contains("not a Teams user id to mention"), mention.getMessage());
        assertInstanceOf(IllegalArgumentException.class, failure(connector.post(connector.destination("teams:" + GENERAL), SampleApprovals.pending(),
                List.of(ALICE_AAD))), "refresh ids are Teams user ids");
        IllegalArgumentException empty = assertInstanceOf(IllegalArgumentException.class, failure(connector.reply(card, " \u200B\n")));
        assertTrue(empty.getMessage().contains("needs text"), empty.getMessage());
        assertEquals(0, bot.requests().size());
    }

    @Test
    void aCardPostedWithRefreshNamesItsUsers() {
        Sent card = await(connector.post(connector.destination("teams:" + GENERAL), SampleApprovals.pending(), List.of(CAROL, DAN)));
        JsonNode refresh = bot.activity(GENERAL, card.messageId()).card().path("refresh");
        assertEquals(CAROL, refresh.path("userIds").path(0).asText());
        await(connector.update(card, SampleApprovals.approved(), List.of(CAROL, DAN)));
        assertFalse(bot.activity(GENERAL, card.messageId()).card().has("refresh"), "a decided card no longer refreshes");
    }

    @Test
    void healthIsATokenFromTheTokenEndpoint(Vertx vertx) {
        Health up = await(connector.health());
        assertTrue(up.up(), up.detail());
        assertTrue(up.detail().contains(FakeTeamsTokens.APP_ID), up.detail());

        TeamsConnector wrong = new TeamsConnector(vertx, TeamsSettings.of(FakeTeamsTokens.APP_ID, Secret.of("not-the-password"), FakeTeamsTokens.TENANT_ID)
                .withTokenUrl(tokens.tokenUrl()).withServiceUrl(bot.serviceUrl()));
        try {
            Health down = await(wrong.health());
            assertFalse(down.up());
            assertTrue(down.detail().startsWith("invalid_client: "), down.detail());
            assertTrue(down.detail().contains("AADSTS7000215"), down.detail());
            assertFalse(down.detail().contains("not-the-password"), down.detail());
        } finally {
            await(wrong.close());
        }
        assertNotEquals(0, tokens.issued());
    }
}
