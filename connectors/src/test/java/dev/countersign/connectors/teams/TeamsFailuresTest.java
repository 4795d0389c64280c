package dev.countersign.connectors.teams;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.ConnectorFailure.Kind;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.Sent;
import dev.countersign.connectors.teams.BotConnectorRequest.Operation;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the Bot Connector's and the token endpoint's failures reach the caller: each classified once
 * and never retried (but the one call after a 401), rate limits with their delay, outages and
 * timeouts as transient; each with the platform's code and no credential in its message.
 */
@ExtendWith(VertxExtension.class)
class TeamsFailuresTest {
    private static final String GENERAL = TeamsConnectorTest.GENERAL;

    private FakeTeamsTokens tokens;
    private FakeBotConnector bot;
    private TeamsConnector connector;
    private Destination general;

    @BeforeEach
    void start(Vertx vertx) {
        tokens = await(FakeTeamsTokens.start(vertx));
        bot = await(FakeBotConnector.start(vertx, tokens)).channel(GENERAL).blocked(TeamsConnectorTest.GROUP_CHAT);
        connector = new TeamsConnector(vertx, bot.settings().withTimeouts(Duration.ofMillis(500), Duration.ofMillis(800)).withMaxAnswerBytes(8 * 1024));
        general = connector.destination("teams:" + GENERAL);
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(bot.close());
        await(tokens.close());
    }

    /** Each injected failure, its classification and code, after exactly one request. */
    @TestFactory
    Stream<DynamicTest> eachFailureIsClassifiedAfterOneRequest() {
        record Case(String name, BotConnectorFailure failure, Kind kind, String code, Duration retryAfter) {
        }
        return Stream.of(
                new Case("413 MessageSizeTooBig", BotConnectorFailure.messageSizeTooBig(), Kind.PERMANENT, "MessageSizeTooBig", null),
                new Case("403 MessageWritesBlocked", BotConnectorFailure.messageWritesBlocked(), Kind.PERMANENT, "MessageWritesBlocked", null),
                new Case("403 BotNotInConversationRoster", BotConnectorFailure.status(403, "BotNotInConversationRoster"), Kind.PERMANENT,
                        "BotNotInConversationRoster", null),
                new Case("404", BotConnectorFailure.status(404, "NotFound"), Kind.PERMANENT, "NotFound", null),
                new Case("400 BadArgument", BotConnectorFailure.status(400, "BadArgument"), Kind.PERMANENT, "BadArgument", null),
                new Case("429 with Retry-After", BotConnectorFailure.rateLimited(Duration.ofSeconds(7)), Kind.RATE_LIMITED, "Throttled",
                        Duration.ofSeconds(7)),
                new Case("429 without Retry-After", BotConnectorFailure.rateLimitedWithoutRetryAfter(), Kind.TRANSIENT, "Throttled", null),
                new Case("412", BotConnectorFailure.preconditionFailed(), Kind.TRANSIENT, "PreconditionFailed", null),
                new Case("502", BotConnectorFailure.badGateway(), Kind.TRANSIENT, "BadGateway", null),
                new Case("504", BotConnectorFailure.gatewayTimeout(), Kind.TRANSIENT, "GatewayTimeout", null),
                new Case("500", BotConnectorFailure.status(500, "InternalServerError"), Kind.TRANSIENT, "InternalServerError", null),
                new Case("503", BotConnectorFailure.status(503, "ServiceUnavailable"), Kind.TRANSIENT, "ServiceUnavailable", null)
        ).map(c -> dynamicTest(c.name(), () -> {
            int before = bot.requests().size();
            bot.fail(c.failure());
            ConnectorFailure f = connectorFailure(connector.post(general, SampleApprovals.pending()));
            assertEquals(c.kind(), f.kind(), f.getMessage());
            assertEquals(c.code(), f.code());
            assertEquals(Optional.ofNullable(c.retryAfter()), f.retryAfter());
            assertTrue(f.getMessage().contains("a card posted to " + GENERAL + " with " + c.failure().status()), f.getMessage());
            assertClean(f);
            Thread.sleep(150);
            assertEquals(before + 1, bot.requests().size(), "the connector retried " + c.name());
        }));
    }

    @Test
    void theBotConnectorsOwnRefusalsArePermanent() {
        ConnectorFailure blocked = connectorFailure(connector.post(connector.destination("teams:" + TeamsConnectorTest.GROUP_CHAT), SampleApprovals.pending()));
        assertEquals("MessageWritesBlocked", blocked.code());
        assertTrue(blocked.isPermanent());
        ConnectorFailure unknown = connectorFailure(connector.post(connector.destination("teams:19:gone@thread.tacv2"), SampleApprovals.pending()));
        assertEquals("ConversationNotFound", unknown.code());
        assertTrue(unknown.isPermanent());
        ConnectorFailure noChannel = connectorFailure(connector.post(connector.destination("teams:channel:19:other@thread.tacv2"), SampleApprovals.pending()));
        assertEquals("BotNotInConversationRoster", noChannel.code());
        assertEquals(List.of(), bot.violations());
    }

    @Test
    void aRefusedTokenIsDroppedAndTheCallMadeOnceMoreWithANewOne() {
        await(connector.post(general, SampleApprovals.pending()));
        bot.fail(BotConnectorFailure.unauthorized());
        Sent card = await(connector.post(general, SampleApprovals.pending()));
        List<BotConnectorRequest> sends = bot.requests(Operation.SEND);
        assertEquals(3, sends.size());
        assertEquals(401, sends.get(1).status());
        assertEquals(201, sends.get(2).status());
        assertFalse(sends.get(1).token().equals(sends.get(2).token()), "the retry used the refused token");
        assertEquals(2, tokens.issued());
        assertEquals(card.messageId(), bot.activities(GENERAL).get(1).id());
    }

    @Test
    void anExpiredTokenTheBotConnectorRefusesIsReplacedOnce() {
        Sent card = await(connector.post(general, SampleApprovals.pending()));
        tokens.expire(bot.requests().get(0).token());
        await(connector.update(card, SampleApprovals.approved()));
        assertEquals(List.of(401, 200), bot.requests(Operation.UPDATE).stream().map(BotConnectorRequest::status).toList());
        assertEquals(2, tokens.issued());
    }

    @Test
    void aSecond401IsPermanentAndNotRetriedAgain() {
        bot.fail(BotConnectorFailure.unauthorized(), 5);
        ConnectorFailure f = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertTrue(f.isPermanent());
        assertTrue(f.getMessage().contains("a new token was refused too"), f.getMessage());
        assertEquals(2, bot.requests().size(), "one call and one retry, no more");
        assertClean(f);
    }

    @Test
    void aRetryAfterAsAnHttpDateIsHonoured() {
        Clock clock = Clock.fixed(Instant.parse("2026-03-02T10:00:00Z"), ZoneOffset.UTC);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.parse("2026-03-02T10:00:42Z").atZone(ZoneOffset.UTC));
        assertEquals(Duration.ofSeconds(42), BotConnectorApi.retryAfter(date, clock));
        assertEquals(Duration.ofSeconds(3), BotConnectorApi.retryAfter(" 3 ", clock));
        assertEquals(Duration.ofSeconds(1), BotConnectorApi.retryAfter("0", clock));
        assertEquals(null, BotConnectorApi.retryAfter("soon", clock));
        assertEquals(null, BotConnectorApi.retryAfter(null, clock));
    }

    @Test
    void noAnswerIsATransientTimeoutAndALostAnswerTransientWithTheCardPosted() {
        bot.fail(BotConnectorFailure.stall());
        ConnectorFailure stalled = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, stalled.kind());
        assertEquals("timeout", stalled.code());

        bot.fail(BotConnectorFailure.lostAnswer());
        ConnectorFailure lost = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, lost.kind());
        assertEquals(1, bot.activities(GENERAL).size(), "the card was posted though its answer was lost");
        assertEquals(Optional.empty(), await(connector.find(general, SampleApprovals.ID, Instant.EPOCH)),
                "Teams cannot list the conversation: a second post would leave a second card");
    }

    @Test
    void anAnswerHeldBackAfterTheCardIsPostedIsATransientTimeout() {
        bot.fail(BotConnectorFailure.heldAnswer());
        ConnectorFailure held = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, held.kind());
        assertEquals("timeout", held.code());
        assertEquals(1, bot.activities(GENERAL).size(), "the card was posted though its answer never came");
        assertEquals(0, bot.requests().get(bot.requests().size() - 1).status(), "recorded as never answered");
    }

    @Test
    void anUnreachableBotConnectorIsTransient(Vertx vertx) {
        await(bot.close());
        ConnectorFailure f = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, f.kind());
        assertEquals("unreachable", f.code());
        assertClean(f);
        bot = await(FakeBotConnector.start(vertx, tokens));
    }

    @Test
    void theTokenEndpointsRefusalsArePermanentAndItsOutagesTransient(Vertx vertx) {
        tokens.fail(500, "temporarily_unavailable", 1);
        ConnectorFailure outage = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, outage.kind());
        assertEquals("temporarily_unavailable", outage.code());
        tokens.fail(429, "throttled", 1);
        assertEquals(Kind.TRANSIENT, connectorFailure(connector.post(general, SampleApprovals.pending())).kind());
        assertEquals(0, bot.requests().size(), "nothing is sent without a token");

        for (TeamsSettings wrong : List.of(
                TeamsSettings.of(FakeTeamsTokens.APP_ID, Secret.of("the-wrong-password"), FakeTeamsTokens.TENANT_ID),
                TeamsSettings.of("00000000-0000-0000-0000-000000000000", Secret.of(FakeTeamsTokens.APP_PASSWORD), FakeTeamsTokens.TENANT_ID),
                TeamsSettings.of(FakeTeamsTokens.APP_ID, Secret.of(FakeTeamsTokens.APP_PASSWORD), "contoso.onmicrosoft.com"))) {
            TeamsConnector misconfigured = new TeamsConnector(vertx, wrong.withTokenUrl(tokens.tokenUrl()).withServiceUrl(bot.serviceUrl()));
            try {
                ConnectorFailure f = connectorFailure(misconfigured.post(general, SampleApprovals.pending()));
                assertTrue(f.isPermanent(), f.getMessage());
                assertTrue(List.of("invalid_client", "unauthorized_client", "invalid_tenant").contains(f.code()), f.code());
                assertFalse(f.getMessage().contains("the-wrong-password") || f.getMessage().contains(FakeTeamsTokens.APP_PASSWORD), f.getMessage());
            } finally {
                await(misconfigured.close());
            }
        }
        assertEquals(List.of(), tokens.violations());
    }

    @Test
    void anAnswerLongerThanTheBoundIsTransient() {
        bot.fail(BotConnectorFailure.hugeAnswer(64 * 1024));
        ConnectorFailure f = connectorFailure(connector.post(general, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, f.kind());
        assertEquals("answer_too_large", f.code());
    }

    /** No token, no password in the message. */
    private void assertClean(ConnectorFailure f) {
        assertFalse(f.getMessage().contains(FakeTeamsTokens.APP_PASSWORD), f.getMessage());
        assertFalse(f.getMessage().contains("fake-bf."), f.getMessage());
    }
}
