package dev.countersign.connectors.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.Secret;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Inbound requests: only what Slack signed, now, once, is read; what is read becomes a click, a
 * deny reason, or an ignored request, never a guess.
 */
class SlackInteractionsTest {
    static final String SECRET = "signing-secret-for-tests-0123456789";
    private final SlackClickDriver driver = new SlackClickDriver(SECRET);

    private static SlackInteractions interactions() {
        return new SlackInteractions(Secret.of(SECRET));
    }

    /** Reading at the fixed instant {@code now}: a request's age does not change while the test runs. */
    private static SlackInteractions interactionsAt(Instant now) {
        return new SlackInteractions(Secret.of(SECRET), Clock.fixed(now, ZoneOffset.UTC), SlackInteractions.REMEMBERED);
    }

    private SignedRequest approve() {
        return driver.click("apr_123", "approve", "U0CAROL", "C0SECURITY", "1767000000.000100");
    }

    /** Each forged request of the protocol notes' §3 click list is refused, and says why. */
    @TestFactory
    Stream<DynamicTest> forgedRequestsAreRefused() {
        record Forgery(String name, SignedRequest request, String reason) {
        }
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        SignedRequest click = approve().signedAt(now);
        return Stream.of(
                new Forgery("bad HMAC", click.tampered(SignedRequest.Tamper.BAD_HMAC), "does not match"),
                new Forgery("v1= prefix", click.tampered(SignedRequest.Tamper.V1_PREFIX), "not of version v0"),
                new Forgery("no signature header", click.tampered(SignedRequest.Tamper.NO_SIGNATURE), "no X-Slack-Signature"),
                new Forgery("no timestamp header", click.tampered(SignedRequest.Tamper.NO_TIMESTAMP), "no X-Slack-Request-Timestamp"),
                new Forgery("no headers", click.tampered(SignedRequest.Tamper.NO_HEADERS), "and no"),
                new Forgery("another secret", click.tampered(SignedRequest.Tamper.WRONG_SECRET), "does not match"),
                new Forgery("body altered after signing", click.tampered(SignedRequest.Tamper.BODY_ALTERED), "does not match"),
                new Forgery("signed 301 s ago", click.skewed(Duration.ofSeconds(-301)), "ago"),
                new Forgery("signed 301 s ahead", click.skewed(Duration.ofSeconds(301)), "in the future"),
                new Forgery("signed a day ago", click.skewed(Duration.ofDays(-1)), "ago")
        ).map(f -> dynamicTest(f.name(), () -> {
            SlackInteraction read = interactionsAt(now).receive(f.request().headers(), f.request().body());
            Unauthentic refused = assertInstanceOf(Unauthentic.class, read, f.name() + " was read as " + read);
            assertTrue(refused.reason().contains(f.reason()), refused.reason());
        }));
    }

    @TestFactory
    Stream<DynamicTest> aTimestampUpTo300SecondsAwayEitherWayIsAccepted() {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        return Stream.of(-300, -299, 0, 299, 300).map(s -> dynamicTest(s + " s", () -> {
            SignedRequest r = approve().signedAt(now.plusSeconds(s));
            assertInstanceOf(Click.class, interactionsAt(now).receive(r.headers(), r.body()));
        }));
    }

    @Test
    void anIdenticalReplayIsRefusedButTheSameClickSignedAgainLaterIsRead() {
        SlackInteractions inbound = interactions();
        SignedRequest click = approve();
        assertInstanceOf(Click.class, inbound.receive(click.headers(), click.body()));

        Unauthentic replay = assertInstanceOf(Unauthentic.class, inbound.receive(click.headers(), click.body()));
        assertTrue(replay.reason().contains("replay"), replay.reason());

        SignedRequest again = click.skewed(Duration.ofSeconds(1));   // a second, distinct request: the workflow counts one vote
        assertInstanceOf(Click.class, inbound.receive(again.headers(), again.body()));
    }

    @Test
    void whenTheMemoryOfRecentRequestsIsFullANewRequestIsRefusedNotAnOldOneForgotten() {
        SlackInteractions inbound = new SlackInteractions(Secret.of(SECRET), Clock.systemUTC(), 2);
        SignedRequest first = approve();
        SignedRequest second = approve().skewed(Duration.ofSeconds(-1));
        assertInstanceOf(Click.class, inbound.receive(first.headers(), first.body()));
        assertInstanceOf(Click.class, inbound.receive(second.headers(), second.body()));

        SignedRequest third = approve().skewed(Duration.ofSeconds(-2));
        assertInstanceOf(Unauthentic.class, inbound.receive(third.headers(), third.body()));
        assertInstanceOf(Unauthentic.class, inbound.receive(first.headers(), first.body()), "the first was forgotten");
    }

    @Test
    void twoSignatureHeadersAreRefused() {
        SignedRequest click = approve();
        MultiMap headers = click.headers().add("X-Slack-Signature", "v0=00");
        assertInstanceOf(Unauthentic.class, interactions().receive(headers, click.body()));
    }

    @Test
    void theOfficialVectorIsAuthenticAtItsTimeAndStaleNow() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x-slack-request-timestamp", SlackSignatureTest.TIMESTAMP)
                .add("X-SLACK-SIGNATURE", SlackSignatureTest.SIGNATURE);
        Clock then = Clock.fixed(Instant.ofEpochSecond(Long.parseLong(SlackSignatureTest.TIMESTAMP) + 10), ZoneOffset.UTC);
        SlackInteraction read = new SlackInteractions(SlackSignatureTest.SECRET, then, 10)
                .receive(headers, Buffer.buffer(SlackSignatureTest.BODY));
        assertEquals(new Ignored("the form has no payload field", null), read, "authentic, and a slash command is not a vote");

        assertInstanceOf(Unauthentic.class, new SlackInteractions(SlackSignatureTest.SECRET).receive(headers, Buffer.buffer(SlackSignatureTest.BODY)));
    }

    @Test
    void aClickIsReadWithEverythingTheWorkflowNeeds() {
        SignedRequest request = driver.click("apr_123", "deny", "U0CAROL", "C0SECURITY", "1767000000.000100");
        Click click = assertInstanceOf(Click.class, interactions().receive(request.headers(), request.body()));

        assertEquals("apr_123", click.approvalId());
        assertEquals(ReviewerChoice.DENY, click.choice());
        assertEquals("U0CAROL", click.userId());
        assertEquals(FakeSlack.TEAM_ID, click.teamId());
        assertEquals("C0SECURITY", click.channelId());
        assertEquals("1767000000.000100", click.messageTs());
        assertEquals(request.payload().path("trigger_id").asText(), click.triggerId());
        assertEquals(request.payload().path("response_url").asText(), click.responseUrl());
        assertNotNull(click.responseUrl());
        assertEquals(keyOf(request), click.replayKey());
    }

    /** The replay key a request read by {@link SlackInteractions} carries: its signature, kept while its timestamp is acceptable. */
    private static ReplayKey keyOf(SignedRequest request) {
        Instant signed = Instant.ofEpochSecond(Long.parseLong(request.headers().get("X-Slack-Request-Timestamp")));
        return new ReplayKey(request.headers().get("X-Slack-Signature"), signed.plus(SlackInteractions.MAX_AGE).plusSeconds(1));
    }

    /**
     * Two nodes, each with its own memory, both read a request sent to each: the replay key, equal
     * for both, is what lets the cluster count it once; the same click signed anew has another key.
     */
    @Test
    void aReplayToAnotherNodeIsReadThereTooButCarriesTheSameReplayKey() {
        SignedRequest click = approve();
        Click first = assertInstanceOf(Click.class, interactions().receive(click.headers(), click.body()));
        Click second = assertInstanceOf(Click.class, interactions().receive(click.headers(), click.body()));
        assertEquals(first.replayKey(), second.replayKey());

        java.util.Map<String, Boolean> shared = new java.util.concurrent.ConcurrentHashMap<>();
        assertNull(shared.putIfAbsent(first.replayKey().value(), true), "the first node saw a replay");
        assertNotNull(shared.putIfAbsent(second.replayKey().value(), true), "the second node did not see the replay");

        SignedRequest again = click.skewed(Duration.ofSeconds(1));
        Click anew = assertInstanceOf(Click.class, interactions().receive(again.headers(), again.body()));
        assertNotEquals(first.replayKey().value(), anew.replayKey().value(), "a distinct request has the same key");
        assertEquals(first.replayKey().keepUntil().plusSeconds(1), anew.replayKey().keepUntil());
    }

    @Test
    void aDenyReasonComesBackWithTheCardItWasClickedOn() {
        Click click = new Click("apr_123", ReviewerChoice.DENY, "U0DAN", "dan", FakeSlack.TEAM_ID, "t", null, "C0SECURITY", "1767000000.000100");
        SignedRequest submission = driver.submit(SlackViews.denyReason(click), "U0DAN", "Use the aggregated table.\nNot raw rows.");

        DenyReason reason = assertInstanceOf(DenyReason.class, interactions().receive(submission.headers(), submission.body()));

        assertEquals(new DenyReason("apr_123", "U0DAN", "u0dan", FakeSlack.TEAM_ID, "Use the aggregated table.\nNot raw rows.", "C0SECURITY",
                "1767000000.000100", keyOf(submission)), reason);
    }

    /** Authentic requests that are not votes: recognised, never guessed at. */
    @TestFactory
    Stream<DynamicTest> authenticRequestsThatAreNotVotesAreIgnored() {
        ObjectNode closed = FakeSlack.JSON.createObjectNode().put("type", "view_closed");
        ObjectNode shortcut = FakeSlack.JSON.createObjectNode().put("type", "shortcut");
        ObjectNode otherView = (ObjectNode) driver.submit(SlackViews.denyReason(new Click("apr_1", ReviewerChoice.DENY, "U0DAN", null,
                FakeSlack.TEAM_ID, "t", null, "C0SECURITY", "1.2")), "U0DAN", "x").payload();
        ((ObjectNode) otherView.path("view")).put("callback_id", "someone_elses_modal");
        ObjectNode noValue = (ObjectNode) approve().payload();
        ((ObjectNode) noValue.path("actions").get(0)).remove("value");
        ObjectNode badUser = (ObjectNode) approve().payload();
        ((ObjectNode) badUser.path("user")).put("id", "<@U0BOSS>");
        return Stream.of(
                new Object[] {"an unknown action_id", driver.click("apr_123", "snooze", "U0CAROL", "C0SECURITY", "1.2"), "is not approve or deny"},
                new Object[] {"a closed modal", driver.payload(closed), "view_closed"},
                new Object[] {"a shortcut", driver.payload(shortcut), "shortcut"},
                new Object[] {"another modal's submission", driver.payload(otherView), "not the deny reason"},
                new Object[] {"a button without a value", driver.payload(noValue), "no approval id"},
                new Object[] {"a user id that is not one", driver.payload(badUser), "no Slack user"}
        ).map(c -> dynamicTest((String) c[0], () -> {
            SignedRequest r = (SignedRequest) c[1];
            Ignored ignored = assertInstanceOf(Ignored.class, interactions().receive(r.headers(), r.body()));
            assertTrue(ignored.reason().contains((String) c[2]), ignored.reason());
        }));
    }

    @Test
    void anUnknownActionStillCarriesTheResponseUrlToExplainWith() {
        SignedRequest r = driver.click("apr_123", "snooze", "U0CAROL", "C0SECURITY", "1.2");
        Ignored ignored = assertInstanceOf(Ignored.class, interactions().receive(r.headers(), r.body()));
        assertEquals(r.payload().path("response_url").asText(), ignored.responseUrl());
    }

    @TestFactory
    Stream<DynamicTest> authenticBodiesThatCannotBeReadAreIgnored() {
        return List.of("payload=%zz", "payload=not-json", "payload=%5B1%5D", "nothing=here", "payload=1&payload=2", "").stream()
                .map(body -> dynamicTest("'" + body + "'", () -> {
                    String ts = Long.toString(Instant.now().getEpochSecond());
                    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Slack-Request-Timestamp", ts)
                            .add("X-Slack-Signature", SlackSignature.sign(Secret.of(SECRET), ts, body.getBytes()));
                    assertInstanceOf(Ignored.class, interactions().receive(headers, Buffer.buffer(body)));
                }));
    }
}
