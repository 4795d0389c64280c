package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.ConnectorFailure.Kind;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/** How a search of a channel's history fails: Slack's refusals permanent and asked once, rate limits with their delay, outages transient. */
@ExtendWith(VertxExtension.class)
class SlackFindFailuresTest {
    private Vertx vertx;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
    }

    private FakeSlack fake() {
        return await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").channel("G0SECRET", "secret")
                .channelWithoutBot("C0PRIVATE", "private");
    }

    private SlackConnector connector(FakeSlack slack, String token) {
        return new SlackConnector(vertx, SlackSettings.of(Secret.of(token)).withBaseUrl(slack.baseUrl())
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(800)));
    }

    /** Each case: a fresh fake set up so, one search, the failure it ends in, and how many history requests it took. */
    @TestFactory
    Stream<DynamicTest> eachRefusalIsAFailureOfItsKindAndIsNotRetried() {
        record Case(String name, Consumer<FakeSlack> setup, String channel, String token, String code, Kind kind, int asked) {
        }
        String token = FakeSlack.BOT_TOKEN;
        Consumer<FakeSlack> none = s -> { };
        return Stream.of(
                new Case("an unknown channel", none, "C0NOWHERE", token, "channel_not_found", Kind.PERMANENT, 1),
                new Case("a public channel without the bot", none, "C0PRIVATE", token, "not_in_channel", Kind.PERMANENT, 1),
                new Case("a public channel without channels:history", s -> s.withoutScope("channels:history"), "C0SECURITY", token,
                        "missing_scope", Kind.PERMANENT, 1),
                new Case("a private channel without groups:history", s -> s.withoutScope("groups:history"), "G0SECRET", token,
                        "missing_scope", Kind.PERMANENT, 1),
                new Case("a wrong token (auth.test refuses it first)", none, "C0SECURITY", "xoxb-not-the-token", "invalid_auth", Kind.PERMANENT, 0),
                new Case("a revoked token", FakeSlack::revokeToken, "C0SECURITY", token, "token_revoked", Kind.PERMANENT, 0),
                new Case("a refusal injected", s -> s.fail("conversations.history", "C0SECURITY", SlackFailure.error("invalid_auth")), "C0SECURITY",
                        token, "invalid_auth", Kind.PERMANENT, 1),
                new Case("Slack's internal error", s -> s.fail("conversations.history", null, SlackFailure.error("internal_error")), "C0SECURITY",
                        token, "internal_error", Kind.TRANSIENT, 1),
                new Case("a 502", s -> s.fail("conversations.history", null, new SlackFailure.Status(502)), "C0SECURITY", token, "http_502",
                        Kind.TRANSIENT, 1),
                new Case("an answer that is not Slack's", s -> s.fail("conversations.history", null, new SlackFailure.Status(200)), "C0SECURITY",
                        token, "invalid_answer", Kind.TRANSIENT, 1),
                new Case("no answer", s -> s.fail("conversations.history", null, new SlackFailure.Stall()), "C0SECURITY", token, "timeout",
                        Kind.TRANSIENT, 1)
        ).map(c -> dynamicTest(c.name(), () -> {
            FakeSlack slack = fake();
            SlackConnector connector = connector(slack, c.token());
            try {
                c.setup().accept(slack);
                ConnectorFailure f = connectorFailure(connector.find(connector.destination("slack:" + c.channel()), SampleApprovals.ID, Instant.now()));
                assertEquals(c.kind(), f.kind(), f.getMessage());
                assertEquals(c.code(), f.code(), f.getMessage());
                assertFalse(f.getMessage().contains(FakeSlack.BOT_TOKEN));
                if ("missing_scope".equals(c.code())) {
                    assertTrue(f.getMessage().contains("needed " + (c.channel().startsWith("G") ? "groups:history" : "channels:history")), f.getMessage());
                }
                Thread.sleep(100);
                assertEquals(c.asked(), slack.requests("conversations.history").size(), "the connector asked again by itself");
                assertEquals(List.of(), slack.violations());
            } finally {
                await(connector.close());
                await(slack.close());
            }
        }));
    }

    @Test
    void aRateLimitCarriesItsRetryAfterAndASearchAfterItSucceeds() throws Exception {
        FakeSlack slack = fake();
        SlackConnector connector = connector(slack, FakeSlack.BOT_TOKEN);
        slack.fail("conversations.history", "C0SECURITY", SlackFailure.rateLimited(Duration.ofSeconds(1)));
        ConnectorFailure limited = connectorFailure(connector.find(connector.destination("slack:C0SECURITY"), SampleApprovals.ID, Instant.now()));
        assertEquals(Kind.RATE_LIMITED, limited.kind());
        assertEquals("ratelimited", limited.code());
        assertEquals(Optional.of(Duration.ofSeconds(1)), limited.retryAfter());
        Thread.sleep(300);
        assertEquals(1, slack.requests("conversations.history").size(), "the connector retried by itself");

        Thread.sleep(800);
        assertEquals(Optional.empty(), await(connector.find(connector.destination("slack:C0SECURITY"), SampleApprovals.ID, Instant.now())));
        assertEquals(List.of(), slack.violations(), "the fake saw a request before Retry-After ran out");
        await(connector.close());
        await(slack.close());
    }

    @Test
    void aSlackThatCannotBeReachedIsTransientAndTheSearchWorksOnceItIsBack() throws Exception {
        FakeSlack slack = fake();
        SlackConnector connector = connector(slack, FakeSlack.BOT_TOKEN);
        assertEquals(FakeSlack.TEAM_ID, await(connector.teamId()));
        await(slack.outage(Duration.ofMillis(400), FakeSlack.Outage.REFUSED));
        ConnectorFailure refused = connectorFailure(connector.find(connector.destination("slack:C0SECURITY"), SampleApprovals.ID, Instant.now()));
        assertEquals(Kind.TRANSIENT, refused.kind());
        assertEquals("unreachable", refused.code());

        Thread.sleep(600);
        assertEquals(Optional.empty(), await(connector.find(connector.destination("slack:C0SECURITY"), SampleApprovals.ID, Instant.now())));
        await(connector.close());
        await(slack.close());
    }
}
