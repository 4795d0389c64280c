package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.ConnectorFailure.Kind;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.Sent;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
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
 * How Slack's failures reach the caller: permanent ones once and never retried, rate limits with
 * their delay, outages and timeouts as transient; each with Slack's code and no secret.
 */
@ExtendWith(VertxExtension.class)
class SlackFailuresTest {
    private FakeSlack slack;
    private SlackConnector connector;
    private Destination security;

    @BeforeEach
    void start(Vertx vertx) {
        slack = await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").channelWithoutBot("C0PRIVATE", "private")
                .archivedChannel("C0OLD", "old");
        connector = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl())
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(800)).withMaxAnswerBytes(8 * 1024));
        security = connector.destination("slack:C0SECURITY");
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(slack.close());
    }

    /** Each ok:false code Slack calls permanent is a permanent failure carrying that code, after exactly one request. */
    @TestFactory
    Stream<DynamicTest> permanentCodesAreFailedOnceAndNotRetried() {
        return Stream.of("channel_not_found", "not_in_channel", "invalid_auth", "invalid_blocks", "is_archived", "msg_too_long",
                "missing_scope", "token_revoked", "message_not_found", "cant_update_message", "not_authed", "no_text", "some_new_code")
                .map(code -> dynamicTest(code, () -> {
                    int before = slack.requests("chat.postMessage").size();
                    slack.fail("chat.postMessage", "C0SECURITY", SlackFailure.error(code));
                    ConnectorFailure f = connectorFailure(connector.post(security, SampleApprovals.pending()));
                    assertEquals(Kind.PERMANENT, f.kind(), f.getMessage());
                    assertEquals(code, f.code());
                    assertTrue(f.getMessage().contains("chat.postMessage to C0SECURITY: " + code), f.getMessage());
                    Thread.sleep(150);
                    assertEquals(before + 1, slack.requests("chat.postMessage").size(), "the connector retried " + code);
                }));
    }

    @Test
    void slacksOwnRefusalsOfRealChannelsArePermanent() {
        assertEquals("not_in_channel", connectorFailure(connector.post(connector.destination("slack:C0PRIVATE"), SampleApprovals.pending())).code());
        assertEquals("is_archived", connectorFailure(connector.post(connector.destination("slack:C0OLD"), SampleApprovals.pending())).code());
        assertEquals("channel_not_found", connectorFailure(connector.post(connector.destination("slack:C0NOWHERE"), SampleApprovals.pending())).code());
        assertEquals(List.of(), slack.violations());
    }

    @TestFactory
    Stream<DynamicTest> slacksServerSideCodesAreTransient() {
        return Stream.of("internal_error", "fatal_error", "service_unavailable", "request_timeout").map(code -> dynamicTest(code, () -> {
            slack.fail("chat.update", null, SlackFailure.error(code));
            ConnectorFailure f = connectorFailure(connector.update(new Sent(security, "C0SECURITY", "1.000001"), SampleApprovals.approved()));
            assertEquals(Kind.TRANSIENT, f.kind());
            assertEquals(code, f.code());
        }));
    }

    @Test
    void aRateLimitCarriesRetryAfterAndTheFakeCatchesACallerThatComesBackSooner() throws Exception {
        slack.fail("chat.postMessage", "C0SECURITY", SlackFailure.rateLimited(Duration.ofSeconds(1)));
        ConnectorFailure f = connectorFailure(connector.post(security, SampleApprovals.pending()));
        assertEquals(Kind.RATE_LIMITED, f.kind());
        assertEquals(Optional.of(Duration.ofSeconds(1)), f.retryAfter());
        assertEquals(1, slack.requests("chat.postMessage").size(), "the connector retried by itself");

        ConnectorFailure tooSoon = connectorFailure(connector.post(security, SampleApprovals.pending()));
        assertEquals(Kind.RATE_LIMITED, tooSoon.kind());
        assertEquals(1, slack.violations().size(), "the fake did not notice a request before Retry-After");

        Thread.sleep(1_100);
        await(connector.post(security, SampleApprovals.pending()));
        assertEquals(1, slack.violations().size());
    }

    @TestFactory
    Stream<DynamicTest> retryAfterIsReadAsSecondsWithAFallback() {
        return Stream.of(new Object[] {"7", 7L}, new Object[] {"0", 1L}, new Object[] {null, 30L}, new Object[] {"Wed, 21 Oct 2026 07:28:00 GMT", 30L},
                new Object[] {"-3", 30L}).map(c -> dynamicTest(String.valueOf(c[0]), () ->
                assertEquals(Duration.ofSeconds((Long) c[1]), SlackWebApi.retryAfter((String) c[0]))));
    }

    @Test
    void anOutageIsTransientAndOverWhenSlackIsBack() throws Exception {
        slack.unavailable();
        ConnectorFailure unavailable = connectorFailure(connector.post(security, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, unavailable.kind());
        assertEquals("http_503", unavailable.code());
        slack.available();

        await(slack.outage(Duration.ofSeconds(3), FakeSlack.Outage.REFUSED));
        ConnectorFailure refused = connectorFailure(connector.post(security, SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, refused.kind());
        assertEquals("unreachable", refused.code());
        // The port closing is seen as a refused connection, or, when the request raced onto a pooled
        // connection the server was closing, as that connection closed: both are Slack unreachable.
        assertTrue(refused.getMessage().contains("refused") || refused.getMessage().contains("closed"), refused.getMessage());

        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (true) {   // Slack back: the same call succeeds again
            try {
                await(connector.post(security, SampleApprovals.pending()));
                break;
            } catch (AssertionError stillDown) {   // the post failed: not listening yet
                assertTrue(System.nanoTime() < deadline, "Slack never came back: " + stillDown);
                Thread.sleep(100);
            }
        }
        assertEquals(1, slack.messages("C0SECURITY").size());
    }

    @Test
    void aCallSlackNeverAnswersEndsAtTheTimeout() {
        slack.fail("chat.postMessage", null, new SlackFailure.Stall());
        long started = System.nanoTime();
        ConnectorFailure f = connectorFailure(connector.post(security, SampleApprovals.pending()));
        long took = (System.nanoTime() - started) / 1_000_000;
        assertEquals("timeout", f.code());
        assertEquals(Kind.TRANSIENT, f.kind());
        assertTrue(took >= 700 && took < 3_000, "took " + took + " ms for a 800 ms timeout");
    }

    @TestFactory
    Stream<DynamicTest> answersThatAreNotSlacksAreNotTrusted() {
        record Case(String name, SlackFailure failure, Kind kind, String code) {
        }
        return Stream.of(
                new Case("an answer past the bound", new SlackFailure.Huge(100_000), Kind.TRANSIENT, "answer_too_large"),
                new Case("an HTML page with 200", new SlackFailure.Status(200), Kind.TRANSIENT, "invalid_answer"),
                new Case("a 404 from a proxy", new SlackFailure.Status(404), Kind.PERMANENT, "http_404"),
                new Case("a 502", new SlackFailure.Status(502), Kind.TRANSIENT, "http_502")
        ).map(c -> dynamicTest(c.name(), () -> {
            slack.fail("auth.test", null, c.failure());
            slack.fail("chat.postMessage", null, c.failure());
            ConnectorFailure f = connectorFailure(connector.post(security, SampleApprovals.pending()));
            assertEquals(c.kind(), f.kind(), f.getMessage());
            assertEquals(c.code(), f.code());
            assertTrue(await(connector.health()).detail().startsWith(c.code()));
        }));
    }
}
