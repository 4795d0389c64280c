package dev.countersign.connectors.slack;

import static dev.countersign.connectors.Awaits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.Sent;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A reviewer's path end to end, as the pdp will run it: a card in the fake Slack, clicks made from
 * that card and POSTed by the click driver to a real HTTP endpoint that hands the raw request to
 * {@link SlackInteractions} (answering 401 or 200 as the pdp will), the deny modal opened and
 * submitted, the card updated, a private answer sent.
 */
@ExtendWith(VertxExtension.class)
class SlackReviewFlowTest {
    private static final String SIGNING_SECRET = "flow-signing-secret-000111222";

    private Vertx vertx;
    private FakeSlack slack;
    private SlackConnector connector;
    private SlackClickDriver driver;
    private final List<SlackInteraction> received = new CopyOnWriteArrayList<>();
    private String endpoint;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        slack = await(FakeSlack.start(vertx)).channel("C0SECURITY", "security").user("U0DAN", "dan@example.com");
        connector = new SlackConnector(vertx, SlackSettings.of(Secret.of(FakeSlack.BOT_TOKEN)).withBaseUrl(slack.baseUrl()));
        driver = new SlackClickDriver(SIGNING_SECRET, slack);
        SlackInteractions inbound = new SlackInteractions(Secret.of(SIGNING_SECRET));
        int port = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            SlackInteraction read = inbound.receive(request.headers(), body);
            received.add(read);
            request.response().setStatusCode(read instanceof Unauthentic ? 401 : 200).end();
        })).listen(0, "127.0.0.1")).actualPort();
        endpoint = "http://127.0.0.1:" + port + "/connectors/slack/interactions";
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(slack.close());
    }

    @Test
    void aDenyClickOpensTheModalWhoseSubmissionDeniesWithTheReasonAndTheCardLosesItsButtons() {
        Sent card = await(connector.post(connector.destination("slack:C0SECURITY"), SampleApprovals.pending()));

        SignedRequest.Answer clicked = await(driver.click(slack.message("C0SECURITY", card.messageId()), "deny", "U0DAN").send(vertx, endpoint));
        assertEquals(200, clicked.status());
        assertTrue(clicked.took().compareTo(Duration.ofSeconds(3)) < 0, "Slack gives up after 3 s: " + clicked.took());
        Click click = assertInstanceOf(Click.class, received.get(0));
        assertEquals(new Click(SampleApprovals.ID, ReviewerChoice.DENY, "U0DAN", "u0dan", FakeSlack.TEAM_ID, click.triggerId(), click.responseUrl(),
                "C0SECURITY", card.messageId(), click.replayKey()), click);
        assertTrue(click.replayKey().value().startsWith("v0="), String.valueOf(click.replayKey()));
        assertEquals(await(connector.teamId()), click.teamId(), "a click of the bot's own workspace");

        await(connector.openDenyReason(click));
        assertEquals(200, await(driver.submit(slack.views().get(0), "U0DAN", "Aggregate it first.").send(vertx, endpoint)).status());
        DenyReason reason = assertInstanceOf(DenyReason.class, received.get(1));
        assertEquals(new DenyReason(SampleApprovals.ID, "U0DAN", "u0dan", FakeSlack.TEAM_ID, "Aggregate it first.", "C0SECURITY", card.messageId(),
                reason.replayKey()), reason);
        assertNotEquals(click.replayKey(), reason.replayKey());

        await(connector.update(new Sent(card.destination(), reason.channelId(), reason.messageTs()), SampleApprovals.denied()));
        await(connector.ephemeral(click.responseUrl(), "Your deny was counted."));
        PostedMessage now = slack.message("C0SECURITY", card.messageId());
        assertThrows(IllegalStateException.class, () -> driver.click(now, "approve", "U0DAN"), "a decided card can still be clicked");
        assertEquals("Your deny was counted.", slack.responses().get(0).path("text").asText());
        assertEquals(List.of(), slack.violations());
    }

    /** In a channel shared with another organisation, its users can click: their clicks name their own workspace, not the bot's. */
    @Test
    void aClickFromAnotherWorkspaceNamesThatWorkspace() {
        Sent card = await(connector.post(connector.destination("slack:C0SECURITY"), SampleApprovals.pending()));
        SlackClickDriver outsider = new SlackClickDriver(SIGNING_SECRET, slack, "T0PARTNER");
        assertEquals(200, await(outsider.click(slack.message("C0SECURITY", card.messageId()), "approve", "U0DAN").send(vertx, endpoint)).status());
        Click click = assertInstanceOf(Click.class, received.get(0));
        assertEquals("T0PARTNER", click.teamId());
        assertNotEquals(await(connector.teamId()), click.teamId());
    }

    @Test
    void aForgedOrReplayedClickIsAnswered401() {
        Sent card = await(connector.post(connector.destination("slack:C0SECURITY"), SampleApprovals.pending()));
        SignedRequest click = driver.click(slack.message("C0SECURITY", card.messageId()), "approve", "U0DAN");

        assertEquals(401, await(click.tampered(SignedRequest.Tamper.BODY_ALTERED).send(vertx, endpoint)).status());
        assertEquals(401, await(click.skewed(Duration.ofMinutes(-6)).send(vertx, endpoint)).status());
        assertEquals(200, await(click.send(vertx, endpoint)).status());
        assertEquals(401, await(click.send(vertx, endpoint)).status(), "a replay was accepted");
        assertEquals(1, received.stream().filter(r -> r instanceof Click).count());
    }
}
