package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static dev.countersign.connectors.Awaits.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.Sent;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Finding a card already posted, so a caller that posts at least once never posts twice: the cards
 * carry their approval as metadata, and only this bot's top-level card of that approval after
 * {@code since} is found, the oldest of several.
 */
@ExtendWith(VertxExtension.class)
class SlackFindTest {
    private static final String OTHER_APPROVAL = "apr_someone_else";

    private Vertx vertx;
    private FakeSlack slack;
    private SlackConnector connector;
    private final AtomicInteger channels = new AtomicInteger();

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        slack = await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").user("U0ALICE", "alice@example.com");
        connector = connector(FakeSlack.BOT_TOKEN);
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(slack.close());
    }

    private SlackConnector connector(String token) {
        return new SlackConnector(vertx, SlackSettings.of(Secret.of(token)).withBaseUrl(slack.baseUrl()));
    }

    /** A fresh channel with the bot in it, and its destination. */
    private Destination freshChannel() {
        String id = "C0CASE" + channels.incrementAndGet();
        slack.channel(id, "case-" + id.toLowerCase());
        return connector.destination("slack:" + id);
    }

    static ObjectNode cardMetadata(String approvalId) {
        ObjectNode metadata = FakeSlack.JSON.createObjectNode().put("event_type", "countersign_approval");
        metadata.putObject("event_payload").put("approval_id", approvalId);
        return metadata;
    }

    private static ApprovalMessage pendingOf(String approvalId) {
        return ApprovalMessage.builder(approvalId, ApprovalMessage.Status.PENDING).action("data.export", null, null).build();
    }

    @Test
    void aCardCarriesItsApprovalAsMetadataAndRepliesAndNoticesCarryNone() {
        Destination security = connector.destination("slack:C0SECURITY");
        Sent card = await(connector.post(security, SampleApprovals.pending()));
        assertEquals(cardMetadata(SampleApprovals.ID), slack.requests("chat.postMessage").get(0).json().path("metadata"));
        assertEquals(cardMetadata(SampleApprovals.ID), slack.message("C0SECURITY", card.messageId()).metadata(), "the fake did not keep it");

        Sent reply = await(connector.reply(card, "carol approved"));
        await(connector.notify("U0ALICE", SampleApprovals.approved()));
        assertFalse(slack.requests("chat.postMessage").get(1).json().has("metadata"), "a reply carries metadata");
        assertFalse(slack.requests("chat.postMessage").get(2).json().has("metadata"), "a notice carries metadata");
        assertNull(slack.replies("C0SECURITY", card.messageId()).get(0).metadata());
        assertEquals(reply.messageId(), slack.replies("C0SECURITY", card.messageId()).get(0).ts());

        Sent anonymous = await(connector.post(security, ApprovalMessage.builder(null, ApprovalMessage.Status.PENDING).build()));
        assertNull(slack.message("C0SECURITY", anonymous.messageId()).metadata(), "a card without an approval id is posted without metadata");
        assertEquals(List.of(), slack.violations());
    }

    /** What a channel holds, in order of posting. */
    enum Seed {
        /** Our card of the approval searched for. */
        CARD,
        /** Our card of another approval. */
        CARD_OF_ANOTHER_APPROVAL,
        /** Another app's bot's message with metadata naming the approval. */
        ANOTHER_APPS_CARD,
        /** A person's message. */
        PERSON,
        /** Our reply, with the approval's metadata, in the thread of the message seeded before it, also shown in the channel. */
        BROADCAST_REPLY,
        /** As above, in the thread only. */
        THREAD_REPLY,
        /** Our card seeded last updated to approved (an update carries no metadata). */
        UPDATE_LAST_CARD,
        /** The instant searched since. */
        SINCE
    }

    /**
     * Each case seeds a fresh channel and searches it since its {@link Seed#SINCE}: the card found
     * is the seed at {@code found} (counted from 0), or none when it is -1.
     */
    @TestFactory
    Stream<DynamicTest> theCardFoundIsTheOldestTopLevelCardOfThisBotForThatApprovalSince() {
        record Case(String name, List<Seed> seeds, int found) {
        }
        return Stream.of(
                new Case("our card", List.of(Seed.SINCE, Seed.CARD), 1),
                new Case("nothing posted", List.of(Seed.SINCE), -1),
                new Case("two cards of the approval: the oldest", List.of(Seed.SINCE, Seed.CARD, Seed.PERSON, Seed.CARD), 1),
                new Case("among other messages", List.of(Seed.PERSON, Seed.SINCE, Seed.PERSON, Seed.CARD_OF_ANOTHER_APPROVAL, Seed.CARD, Seed.PERSON), 4),
                new Case("another app's message naming the approval", List.of(Seed.SINCE, Seed.ANOTHER_APPS_CARD), -1),
                new Case("another app's message, then our card", List.of(Seed.SINCE, Seed.ANOTHER_APPS_CARD, Seed.CARD), 2),
                new Case("only a card of another approval", List.of(Seed.SINCE, Seed.CARD_OF_ANOTHER_APPROVAL), -1),
                new Case("a reply broadcast to the channel", List.of(Seed.SINCE, Seed.CARD_OF_ANOTHER_APPROVAL, Seed.BROADCAST_REPLY), -1),
                new Case("a reply in a thread", List.of(Seed.SINCE, Seed.CARD_OF_ANOTHER_APPROVAL, Seed.THREAD_REPLY), -1),
                new Case("a card of ours with replies, then a broadcast reply", List.of(Seed.SINCE, Seed.CARD, Seed.BROADCAST_REPLY), 1),
                new Case("a card before since", List.of(Seed.CARD, Seed.SINCE), -1),
                new Case("a card before since and one after: the one after", List.of(Seed.CARD, Seed.SINCE, Seed.CARD), 2),
                new Case("a card updated since it was posted", List.of(Seed.SINCE, Seed.CARD, Seed.UPDATE_LAST_CARD), 1)
        ).map(c -> dynamicTest(c.name(), () -> {
            Destination in = freshChannel();
            List<String> ts = new ArrayList<>();
            Instant since = null;
            Sent lastCard = null;
            for (Seed seed : c.seeds()) {
                String previous = ts.isEmpty() ? null : ts.get(ts.size() - 1);
                switch (seed) {
                    case CARD -> {
                        lastCard = await(connector.post(in, SampleApprovals.pending()));
                        ts.add(lastCard.messageId());
                    }
                    case CARD_OF_ANOTHER_APPROVAL -> ts.add(await(connector.post(in, pendingOf(OTHER_APPROVAL))).messageId());
                    case ANOTHER_APPS_CARD -> ts.add(slack.messageFromAnotherApp(in.target(), "a card", cardMetadata(SampleApprovals.ID)));
                    case PERSON -> ts.add(slack.foreignMessage(in.target(), "a message"));
                    case BROADCAST_REPLY -> ts.add(slack.botReply(in.target(), previous, "a reply", cardMetadata(SampleApprovals.ID), true));
                    case THREAD_REPLY -> ts.add(slack.botReply(in.target(), previous, "a reply", cardMetadata(SampleApprovals.ID), false));
                    case UPDATE_LAST_CARD -> {
                        await(connector.update(lastCard, SampleApprovals.approved()));
                        ts.add(null);
                    }
                    case SINCE -> {
                        Thread.sleep(2);
                        since = Instant.now();
                        Thread.sleep(2);
                        ts.add(null);
                    }
                }
            }
            Optional<Sent> found = await(connector.find(in, SampleApprovals.ID, since));
            assertEquals(c.found() < 0 ? Optional.empty() : Optional.of(new Sent(in, in.target(), ts.get(c.found()))), found);
            assertEquals(List.of(), slack.violations());
        }));
    }

    @Test
    void theHistoryIsAskedForByGetSinceTheInstantToTheMicrosecondWithMetadataAndTheBotIsAskedOnce() {
        Destination security = connector.destination("slack:C0SECURITY");
        Instant since = Instant.parse("2026-03-02T09:00:00.123456789Z");
        assertEquals(Optional.empty(), await(connector.find(security, SampleApprovals.ID, since)));
        await(connector.find(security, SampleApprovals.ID, since));

        List<ReceivedRequest> asked = slack.requests("conversations.history");
        assertEquals(2, asked.size());
        ReceivedRequest first = asked.get(0);
        assertEquals("GET", first.httpMethod());
        assertNull(first.json());
        assertTrue(first.bearer() && first.tokenMatched());
        assertEquals(java.util.Map.of("channel", "C0SECURITY", "oldest", "1772442000.123456", "include_all_metadata", "true", "limit", "200"),
                first.params());
        assertEquals(1, slack.requests("auth.test").size(), "auth.test was asked again instead of kept");
    }

    @TestFactory
    Stream<DynamicTest> sinceIsSlacksTsInSecondsWithSixDecimals() {
        return Stream.of(
                new Object[] {Instant.ofEpochSecond(1405894322, 2_768_000), "1405894322.002768"},
                new Object[] {Instant.ofEpochSecond(1405894322, 2_768_999), "1405894322.002768"},
                new Object[] {Instant.ofEpochSecond(1405894322), "1405894322.000000"},
                new Object[] {Instant.EPOCH, "0.000000"},
                new Object[] {Instant.EPOCH.minusSeconds(5), "0.000000"}
        ).map(c -> dynamicTest(c[0] + " → " + c[1], () -> assertEquals(c[1], SlackHistory.oldest((Instant) c[0]))));
    }

    @Test
    void pagesAreFollowedByTheirCursorToAnOlderCard() {
        slack.historyPageSize(2);
        Destination in = freshChannel();
        Instant since = Instant.now().minusSeconds(1);
        Sent card = await(connector.post(in, SampleApprovals.pending()));
        for (int i = 0; i < 6; i++) {
            slack.foreignMessage(in.target(), "chatter " + i);
        }
        assertEquals(Optional.of(card), await(connector.find(in, SampleApprovals.ID, since)));
        List<ReceivedRequest> pages = slack.requests("conversations.history", in.target());
        assertEquals(4, pages.size(), "7 messages at 2 a page are 4 pages");
        assertNull(pages.get(0).params().get("cursor"));
        assertEquals(3, pages.stream().skip(1).map(p -> p.params().get("cursor")).distinct().filter(java.util.Objects::nonNull).count());
        assertTrue(pages.stream().allMatch(p -> p.error() == null), "a cursor was refused");
    }

    /**
     * Past the bound of 5 pages: a card among the pages read is the answer, the oldest there; with
     * none there, the search fails rather than answer "none posted".
     */
    @TestFactory
    Stream<DynamicTest> theSearchReadsAtMostFivePages() {
        record Case(String name, int cards, int after, int found, int requests) {
        }
        return Stream.of(
                new Case("the oldest card on the fifth and last page", 2, 3, 0, 5),
                new Case("a card on the fifth page, an older one beyond", 2, 4, 1, 5),
                new Case("the only card on the sixth page", 1, 5, -1, 5)
        ).map(c -> dynamicTest(c.name(), () -> {
            slack.historyPageSize(1);
            Destination in = freshChannel();
            Instant since = Instant.now().minusSeconds(1);
            List<Sent> cards = new ArrayList<>();
            for (int i = 0; i < c.cards(); i++) {
                cards.add(await(connector.post(in, SampleApprovals.pending())));
            }
            for (int i = 0; i < c.after(); i++) {
                slack.foreignMessage(in.target(), "chatter " + i);
            }
            if (c.found() >= 0) {
                assertEquals(Optional.of(cards.get(c.found())), await(connector.find(in, SampleApprovals.ID, since)));
            } else {
                ConnectorFailure f = connectorFailure(connector.find(in, SampleApprovals.ID, since));
                assertEquals("too_much_history", f.code());
                assertTrue(f.isPermanent());
            }
            assertEquals(c.requests(), slack.requests("conversations.history", in.target()).size());
        }));
    }

    /** The node that posted died before it kept the ts (the answer never arrived); the next node finds the card and posts none. */
    @Test
    void aCardWhoseAnswerWasLostIsFoundByTheNextNodeAndNotPostedAgain() {
        Destination security = connector.destination("slack:C0SECURITY");
        Instant since = Instant.now().minusSeconds(1);
        slack.fail("chat.postMessage", "C0SECURITY", new SlackFailure.LostAnswer());
        ConnectorFailure lost = connectorFailure(connector.post(security, SampleApprovals.pending()));
        assertEquals(ConnectorFailure.Kind.TRANSIENT, lost.kind(), lost.getMessage());
        PostedMessage posted = slack.messages("C0SECURITY").get(0);

        SlackConnector nextNode = connector(FakeSlack.BOT_TOKEN);
        Sent card = await(nextNode.find(security, SampleApprovals.ID, since))
                .orElseGet(() -> await(nextNode.post(security, SampleApprovals.pending())));
        assertEquals(new Sent(security, "C0SECURITY", posted.ts()), card);
        assertEquals(1, slack.requests("chat.postMessage", "C0SECURITY").size(), "the card was posted a second time");

        await(nextNode.update(card, SampleApprovals.approved()));
        assertEquals(Optional.of(card), await(nextNode.find(security, SampleApprovals.ID, since)), "the updated card is no longer found");
        assertEquals(1, slack.messages("C0SECURITY").size());
        assertEquals(1, slack.message("C0SECURITY", posted.ts()).edits());
        assertEquals(List.of(), slack.violations());
        await(nextNode.close());
    }

    /** The contrast: a post Slack never accepted is not found, so posting again is right, and posts one card. */
    @Test
    void aPostSlackNeverAcceptedIsNotFoundAndTheRetryPostsTheOneCard() {
        Destination security = connector.destination("slack:C0SECURITY");
        Instant since = Instant.now().minusSeconds(1);
        slack.fail("chat.postMessage", "C0SECURITY", new SlackFailure.Status(503));
        assertEquals("http_503", connectorFailure(connector.post(security, SampleApprovals.pending())).code());

        Sent card = await(connector.find(security, SampleApprovals.ID, since)).orElseGet(() -> await(connector.post(security, SampleApprovals.pending())));
        assertEquals(List.of(card.messageId()), slack.messages("C0SECURITY").stream().map(PostedMessage::ts).toList());
        assertEquals(2, slack.requests("chat.postMessage", "C0SECURITY").size());
    }

    @Test
    void whatCannotBeSearchedIsRefusedBeforeAnythingIsSent() {
        Destination security = connector.destination("slack:C0SECURITY");
        Instant now = Instant.now();
        record Refusal(Destination in, String approvalId, Instant since, String says) {
        }
        for (Refusal r : List.of(new Refusal(connector.destination("slack:U0ALICE"), SampleApprovals.ID, now, "is a person"),
                new Refusal(new Destination("slack", "#security"), SampleApprovals.ID, now, "not a channel id"),
                new Refusal(new Destination("webhook", "https://hooks.example.com/x"), SampleApprovals.ID, now, "not a Slack destination"),
                new Refusal(null, SampleApprovals.ID, now, "not a Slack destination"),
                new Refusal(security, "", now, "approval id"),
                new Refusal(security, null, now, "approval id"),
                new Refusal(security, SampleApprovals.ID, null, "since"))) {
            IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, failure(connector.find(r.in(), r.approvalId(), r.since())));
            assertTrue(e.getMessage().contains(r.says()), e.getMessage());
        }
        assertEquals(List.of(), slack.requests());
    }

    @TestFactory
    Stream<DynamicTest> aMessageIsThisBotsOnlyByItsBotIdAndBotUser() {
        SlackBot bot = new SlackBot("T0FAKE", "Fake", "U0BOT", "B0BOT");
        return Stream.of(
                new Object[] {"our bot id and bot user", "B0BOT", "U0BOT", true},
                new Object[] {"our bot id, no user", "B0BOT", null, true},
                new Object[] {"our bot user, no bot id", null, "U0BOT", true},
                new Object[] {"another bot id with our bot user", "B0OTHER", "U0BOT", false},
                new Object[] {"our bot id with another user", "B0BOT", "U0CAROL", false},
                new Object[] {"another app", "B0OTHER", "U0OTHERBOT", false},
                new Object[] {"a person", null, "U0CAROL", false},
                new Object[] {"nobody", null, null, false}
        ).map(c -> dynamicTest((String) c[0], () -> {
            ObjectNode message = FakeSlack.JSON.createObjectNode().put("ts", "1.000001");
            if (c[1] != null) {
                message.put("bot_id", (String) c[1]);
            }
            if (c[2] != null) {
                message.put("user", (String) c[2]);
            }
            assertEquals(c[3], bot.posted(message));
        }));
    }
}
