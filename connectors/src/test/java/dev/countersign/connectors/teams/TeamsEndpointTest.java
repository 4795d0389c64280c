package dev.countersign.connectors.teams;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.teams.FakeBotIssuer.Forgery;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end over real HTTP: a messaging endpoint answering as {@link TeamsInteraction} says, the
 * activities POSTed by the {@link TeamsActivitySender} with tokens of the {@link FakeBotIssuer}.
 * A genuine click is answered 200 with a card and recorded once; a refresh gets a card and no
 * vote; a legacy submit gets an empty 200 and a vote to update the card for; every forgery gets
 * 401 or 403 and records nothing.
 */
@ExtendWith(VertxExtension.class)
class TeamsEndpointTest {
    private static final String APPROVAL = "apr_01jnq3v5k8m2x7c9d4b6e1f0a3";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Vertx vertx;
    private FakeBotIssuer issuer;
    private BotFrameworkAuth auth;
    private TeamsActivitySender sender;
    private HttpServer server;
    private final List<TeamsVote> votes = new CopyOnWriteArrayList<>();
    private final List<CardRefresh> refreshes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start(Vertx v) {
        vertx = v;
        issuer = await(FakeBotIssuer.start(vertx));
        auth = new BotFrameworkAuth(vertx, BotFrameworkAuthTest.settings(issuer));
        await(auth.start());
        TeamsInteractions interactions = new TeamsInteractions(auth);
        server = await(vertx.createHttpServer().requestHandler(r -> messages(interactions, r)).listen(0, "127.0.0.1"));
        sender = new TeamsActivitySender(issuer, TeamsActivitySender.APP_ID, TeamsActivitySender.TENANT_ID, BotFrameworkAuthTest.SERVICE_URL);
    }

    @AfterEach
    void stop() {
        await(server.close());
        await(auth.close());
        await(issuer.close());
    }

    /** The bot's messaging endpoint: a card naming the last vote on the approval, or naming it pending. */
    private void messages(TeamsInteractions interactions, HttpServerRequest request) {
        if (request.method() != HttpMethod.POST || !"/api/messages".equals(request.path())) {
            request.response().setStatusCode(404).end();
            return;
        }
        request.body().compose(body -> interactions.receive(request.headers(), body)).onSuccess(read -> {
            InvokeResponse answer = null;
            if (read instanceof TeamsVote) {
                TeamsVote vote = (TeamsVote) read;
                votes.add(vote);
                answer = vote.legacySubmit() ? null : InvokeResponses.card(card(vote.choice().wireName() + "d by " + vote.userName()));
            } else if (read instanceof CardRefresh) {
                refreshes.add((CardRefresh) read);
                answer = InvokeResponses.card(card("pending"));
            } else if (read instanceof TeamsRefusal) {
                answer = ((TeamsRefusal) read).invokeResponse();
            }
            if (answer == null) {
                request.response().setStatusCode(200).end();
            } else {
                request.response().setStatusCode(answer.status()).putHeader("Content-Type", InvokeResponse.CONTENT_TYPE).end(answer.toBuffer());
            }
        }).onFailure(e -> request.response().setStatusCode(500).end());
    }

    private static ObjectNode card(String text) {
        ObjectNode card = JSON.createObjectNode().put("type", "AdaptiveCard").put("version", "1.5");
        card.putArray("body").addObject().put("type", "TextBlock").put("text", text);
        return card;
    }

    private String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/api/messages";
    }

    private ActivityRequest.Answer send(ActivityRequest request) {
        return await(request.send(vertx, url()));
    }

    private ActivityRequest approve() {
        return sender.execute("approve", APPROVAL, null, TeamsActivitySender.CAROL);
    }

    @Test
    void aClickIsAnsweredWithTheCardThatReplacesItAndRecordedOnce() {
        ActivityRequest.Answer answer = send(approve());
        assertEquals(200, answer.status(), answer.body());
        assertEquals(InvokeResponse.CONTENT_TYPE, answer.contentType());
        JsonNode body = answer.json();
        assertEquals(200, body.path("statusCode").asInt());
        assertEquals(InvokeResponses.CARD, body.path("type").asText());
        assertEquals("approved by Carol Reviewer", body.path("value").path("body").path(0).path("text").asText());

        assertEquals(1, votes.size());
        TeamsVote vote = votes.get(0);
        assertEquals(APPROVAL, vote.approvalId());
        assertEquals(ReviewerChoice.APPROVE, vote.choice());
        assertEquals(TeamsActivitySender.CAROL.aadObjectId(), vote.aadObjectId());
        assertEquals(TeamsActivitySender.CAROL.userId(), vote.userId());
        assertEquals(TeamsActivitySender.TENANT_ID, vote.tenantId());
        assertEquals(BotFrameworkAuthTest.SERVICE_URL, vote.serviceUrl());
        assertEquals(TeamsActivitySender.CARD_ACTIVITY_ID, vote.cardActivityId());
        assertFalse(vote.legacySubmit());
    }

    @Test
    void aDenyCarriesTheReasonTyped() {
        assertEquals(200, send(sender.execute("deny", APPROVAL, "not during the freeze", TeamsActivitySender.DAN)).status());
        assertEquals(ReviewerChoice.DENY, votes.get(0).choice());
        assertEquals("not during the freeze", votes.get(0).reason());
    }

    @Test
    void aRefreshGetsTheCardAndIsNeverAVote() {
        ActivityRequest.Answer answer = send(sender.refresh(APPROVAL, TeamsActivitySender.CAROL));
        assertEquals(200, answer.status());
        assertEquals("pending", answer.json().path("value").path("body").path(0).path("text").asText());
        ActivityRequest automaticApprove = sender.invoke("approve", APPROVAL, null, "automatic", TeamsActivitySender.CAROL);
        assertEquals(200, send(automaticApprove).status());
        assertEquals(List.of(), votes);
        assertEquals(2, refreshes.size());
        assertTrue(refreshes.get(1).automatic());
    }

    @Test
    void aLegacySubmitIsAnsweredWithAnEmpty200AndIsAVoteWhoseCardIsToBeUpdated() {
        ActivityRequest.Answer answer = send(sender.submit("deny", APPROVAL, "risky", TeamsActivitySender.DAN));
        assertEquals(200, answer.status());
        assertEquals("", answer.body());
        assertEquals(1, votes.size());
        assertTrue(votes.get(0).legacySubmit());
        assertEquals(TeamsActivitySender.CARD_ACTIVITY_ID, votes.get(0).cardActivityId(), "the card to PUT");
        assertEquals("risky", votes.get(0).reason());
    }

    @Test
    void otherActivitiesAreAcknowledgedAndChangeNothing() {
        assertEquals(200, send(sender.conversationUpdate()).status());
        assertEquals(200, send(sender.message("hello", TeamsActivitySender.CAROL)).status());
        assertEquals(List.of(), votes);
        assertEquals(List.of(), refreshes);
    }

    @Test
    void aRedeliveredClickIsTheSameActivity() {
        ActivityRequest click = approve();
        assertEquals(200, send(click).status());
        assertEquals(200, send(click).status());
        assertEquals(2, votes.size(), "the endpoint records what arrives; the workflow counts one vote per reviewer");
        assertEquals(votes.get(0).activityId(), votes.get(1).activityId());
    }

    @TestFactory
    Stream<DynamicTest> everyForgeryIsRefusedAndRecordsNothing() {
        record Case(String name, ActivityRequest request, int status, String code) {
        }
        ActivityRequest click = approve();
        return Stream.of(
                new Case("wrong issuer", click.forged(Forgery.WRONG_ISSUER), 401, "unauthorized"),
                new Case("wrong audience", click.forged(Forgery.WRONG_AUDIENCE), 401, "unauthorized"),
                new Case("expired beyond skew", click.forged(Forgery.EXPIRED_BEYOND_SKEW), 401, "unauthorized"),
                new Case("not yet valid", click.forged(Forgery.NOT_YET_VALID), 401, "unauthorized"),
                new Case("unknown kid", click.forged(Forgery.UNKNOWN_KID), 401, "unauthorized"),
                new Case("foreign key", click.forged(Forgery.FOREIGN_KEY), 401, "unauthorized"),
                new Case("alg none", click.forged(Forgery.ALG_NONE), 401, "unauthorized"),
                new Case("HS256 with the public key", click.forged(Forgery.HS256_WITH_PUBLIC_KEY), 401, "unauthorized"),
                new Case("serviceurl mismatch", click.forged(Forgery.SERVICE_URL_MISMATCH), 401, "unauthorized"),
                new Case("key without msteams endorsement", click.forged(Forgery.UNENDORSED_KEY), 403, "forbidden"),
                new Case("wrong channelId", click.withChannelId("directline"), 403, "forbidden"),
                new Case("wrong tenant", click.withTenant(TeamsActivitySender.OTHER_TENANT_ID), 403, "forbidden"),
                new Case("wrong tenant, the tenant hint header right", click.withTenant(TeamsActivitySender.OTHER_TENANT_ID)
                        .withHeader("x-ms-tenant-id", TeamsActivitySender.TENANT_ID), 403, "forbidden"),
                new Case("no token", click.withAuthorization(null), 401, "unauthorized"),
                new Case("two Authorization headers", click.withHeader("Authorization", click.authorization()), 401, "unauthorized"),
                new Case("a refresh with a forged token", sender.refresh(APPROVAL, TeamsActivitySender.CAROL).forged(Forgery.FOREIGN_KEY),
                        401, "unauthorized"),
                new Case("a legacy submit from another tenant", sender.submit("approve", APPROVAL, null, TeamsActivitySender.CAROL)
                        .withTenant(TeamsActivitySender.OTHER_TENANT_ID), 403, "forbidden")
        ).map(c -> dynamicTest(c.name(), () -> {
            ActivityRequest.Answer answer = send(c.request());
            assertEquals(c.status(), answer.status(), answer.body());
            assertEquals(c.code(), answer.json().path("value").path("code").asText());
            assertEquals(InvokeResponses.ERROR, answer.json().path("type").asText());
            assertEquals(List.of(), votes);
            assertEquals(List.of(), refreshes);
        }));
    }

    @Test
    void theTokenIsCheckedBeforeTheBody() {
        ActivityRequest click = approve();
        ActivityRequest.Answer unauthenticated = send(click.withRawBody("{not json").withAuthorization(null));
        assertEquals(401, unauthenticated.status());
        ActivityRequest.Answer malformed = send(click.withRawBody("{not json"));
        assertEquals(400, malformed.status());
        assertEquals("invalid_activity", malformed.json().path("value").path("code").asText());
    }

    @Test
    void anUnsupportedCardActionIsAnInvokeError() {
        ActivityRequest submitInInvoke = approve().edited(a -> ((ObjectNode) a.path("value").path("action")).put("type", "Action.Submit"));
        ActivityRequest.Answer answer = send(submitInInvoke);
        assertEquals(400, answer.status());
        assertEquals(400, answer.json().path("statusCode").asInt());
        assertEquals(InvokeResponses.ERROR, answer.json().path("type").asText());
        assertEquals("unsupported_action", answer.json().path("value").path("code").asText());
        assertEquals(List.of(), votes);
    }

    @Test
    void withoutSigningKeysEveryActivityIsRefusedAndNothingRecorded() {
        BotFrameworkAuth blind = new BotFrameworkAuth(vertx, BotFrameworkAuthTest.settings(issuer).withOpenIdMetadataUrl(
                "http://127.0.0.1:" + server.actualPort() + "/nowhere"));
        try {
            assertTrue(failure(blind.start()).getMessage().contains("answered HTTP 404"));
            TeamsInteraction read = await(new TeamsInteractions(blind).receive(approve().headers(), approve().body()));
            assertEquals(503, ((TeamsRefusal) read).status());
            assertTrue(((TeamsRefusal) read).reason().contains("answered HTTP 404"), ((TeamsRefusal) read).reason());
        } finally {
            await(blind.close());
        }
    }
}
