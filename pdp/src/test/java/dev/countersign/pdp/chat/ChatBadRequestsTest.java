package dev.countersign.pdp.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.connectors.Secret;
import dev.countersign.connectors.slack.SlackSignature;
import dev.countersign.connectors.teams.ActivityRequest;
import dev.countersign.connectors.teams.FakeBotIssuer.Forgery;
import dev.countersign.pdp.server.BadRequests;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat platforms' callbacks given bad requests, on a node with Slack and Teams configured:
 * unsigned, badly signed, stale or replayed requests are 401; authentic requests with bodies that
 * are no vote (malformed, of the wrong shape, too deep, duplicated keys) are answered below 500 —
 * 200 with nothing done where the platform expects it, else a 4xx JSON error — and the node
 * answers {@code /health} after each.
 */
class ChatBadRequestsTest {
    @TempDir
    static Path dir;
    static TeamsFixture f;

    /** One request to a callback and the status it must get (null: any below 500). */
    record Request(String name, String path, MultiMap headers, String body, Integer status) {
    }

    @BeforeAll
    static void start() throws Exception {
        f = TeamsFixture.start(dir, Clock.systemUTC(), true, chat -> chat);
    }

    @AfterAll
    static void stop() throws Exception {
        if (f != null) {
            assertEquals(200, f.node.get("/health", null).statusCode());
            f.close();
        }
    }

    static final String SLACK = "/connectors/slack/interactions";
    static final String TEAMS = "/connectors/teams/messages";

    /** {@code body} signed as Slack signs, at {@code at} (Unix seconds as text). */
    static MultiMap slackSigned(String body, String at) {
        return MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/x-www-form-urlencoded")
                .add("X-Slack-Request-Timestamp", at)
                .add("X-Slack-Signature", SlackSignature.sign(Secret.of(SlackFixture.SIGNING_SECRET), at, body.getBytes(StandardCharsets.UTF_8)));
    }

    static MultiMap slackSigned(String body) {
        return slackSigned(body, Long.toString(Instant.now().getEpochSecond()));
    }

    static String form(String payload) {
        return "payload=" + java.net.URLEncoder.encode(payload, StandardCharsets.UTF_8);
    }

    static Request teams(String name, ActivityRequest a, Integer status) {
        return new Request(name, TEAMS, a.headers(), a.body().toString(StandardCharsets.UTF_8), status);
    }

    static List<Request> requests() {
        List<Request> r = new ArrayList<>();
        String click = form("{\"type\": \"block_actions\", \"team\": {\"id\": \"T0FAKE\"}, \"user\": {\"id\": \"U0CAROL\"},"
                + " \"actions\": [{\"action_id\": \"approve\", \"value\": \"apr_" + "0".repeat(26) + "\"}]}");
        String now = Long.toString(Instant.now().getEpochSecond());
        r.add(new Request("slack: no signature headers", SLACK, MultiMap.caseInsensitiveMultiMap().add("Content-Type",
                "application/x-www-form-urlencoded"), click, 401));
        r.add(new Request("slack: a signature of another body", SLACK, slackSigned(click + "x"), click, 401));
        r.add(new Request("slack: a signature with another secret", SLACK, MultiMap.caseInsensitiveMultiMap()
                .add("X-Slack-Request-Timestamp", now)
                .add("X-Slack-Signature", SlackSignature.sign(Secret.of("another-secret-0123456789"), now, click.getBytes(StandardCharsets.UTF_8))),
                click, 401));
        r.add(new Request("slack: a v1 signature", SLACK, slackSigned(click).set("X-Slack-Signature",
                slackSigned(click).get("X-Slack-Signature").replace("v0=", "v1=")), click, 401));
        r.add(new Request("slack: a signature that is no hex", SLACK, slackSigned(click).set("X-Slack-Signature", "v0=zz\u00e9"), click, 401));
        r.add(new Request("slack: a timestamp that is no number", SLACK, slackSigned(click, "yesterday"), click, 401));
        r.add(new Request("slack: a timestamp of 20 digits", SLACK, slackSigned(click, "99999999999999999999"), click, 401));
        r.add(new Request("slack: a negative timestamp", SLACK, slackSigned(click, "-1"), click, 401));
        r.add(new Request("slack: signed ten minutes ago", SLACK, slackSigned(click, Long.toString(Instant.now().getEpochSecond() - 600)),
                click, 401));
        r.add(new Request("slack: signed an hour ahead", SLACK, slackSigned(click, Long.toString(Instant.now().getEpochSecond() + 3600)),
                click, 401));
        r.add(new Request("slack: two signatures", SLACK, slackSigned(click).add("X-Slack-Signature", "v0=00"), click, 401));
        r.add(new Request("slack: two timestamps", SLACK, slackSigned(click).add("X-Slack-Request-Timestamp", now), click, 401));
        String once = form("{\"type\": \"view_closed\", \"n\": \"" + UUID.randomUUID() + "\"}");
        MultiMap onceSigned = slackSigned(once);
        r.add(new Request("slack: an authentic request", SLACK, onceSigned, once, 200));
        r.add(new Request("slack: the same request replayed", SLACK, onceSigned, once, 401));
        for (String body : List.of("", "payload=", "payload=%7Bnot%20json", "payload=%zz", "payload=%5B%5D", "payload=null", "x=1&y=2",
                "payload=" + "%5B".repeat(400) + "%5D".repeat(400), form("{\"type\": \"block_actions\"}"),
                form("{\"type\": \"block_actions\", \"actions\": \"approve\"}"), form("{\"type\": \"block_actions\", \"actions\": [{}]}"),
                form("{\"type\": \"block_actions\", \"type\": \"view_submission\"}"), form("{\"type\": 5}"),
                form("{\"type\": \"view_submission\", \"view\": []}"), form("{\"type\": \"block_actions\", \"user\": {\"id\": \"\\ud800\"}}"),
                "payload=a&payload=b", "{\"type\": \"block_actions\"}", "\u00ff\u00fe\u0000")) {
            String unique = body + (body.isEmpty() ? "" : "&n=") + UUID.randomUUID();
            // Slack wants 200 (nothing done) for what is no vote; a form that does not decode is refused by the body reader.
            r.add(new Request("slack: authentic, body " + abbreviate(body), SLACK, slackSigned(unique), unique, body.contains("%zz") ? 400 : 200));
        }
        String big = "payload=" + "x".repeat(70 * 1024);
        r.add(new Request("slack: authentic, a body over the limit", SLACK, slackSigned(big), big, 413));

        ActivityRequest message = f.sender.message("hello", TeamsFixture.CAROL);
        r.add(teams("teams: no Authorization", message.withAuthorization(null), 401));
        r.add(teams("teams: a bearer that is no token", message.withAuthorization("Bearer not-a-token"), 401));
        r.add(teams("teams: Basic credentials", message.withAuthorization("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), 401));
        r.add(teams("teams: a token of three empty parts", message.withAuthorization("Bearer .."), 401));
        r.add(teams("teams: a token whose parts are no base64", message.withAuthorization("Bearer %%%.%%%.%%%"), 401));
        r.add(teams("teams: a token of 6000 characters", message.withAuthorization("Bearer " + "a".repeat(6000)), 401));
        for (Forgery forgery : List.of(Forgery.WRONG_ISSUER, Forgery.WRONG_AUDIENCE, Forgery.EXPIRED_BEYOND_SKEW, Forgery.NOT_YET_VALID,
                Forgery.UNKNOWN_KID, Forgery.FOREIGN_KEY, Forgery.ALG_NONE, Forgery.HS256_WITH_PUBLIC_KEY, Forgery.SERVICE_URL_MISMATCH,
                Forgery.NO_SERVICE_URL, Forgery.NO_EXPIRY)) {
            r.add(teams("teams: a token forged as " + forgery, message.forged(forgery), 401));
        }
        r.add(teams("teams: another tenant", message.withTenant("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"), null));
        r.add(teams("teams: Authorization twice", message.withHeader("Authorization", message.authorization()), null));
        for (String body : List.of("", "{not json", "[]", "null", "\"x\"", "{}", "{\"type\": 5}", "{\"type\": \"invoke\"}",
                "{\"type\": \"invoke\", \"name\": \"adaptiveCard/action\"}", "{\"type\": \"invoke\", \"name\": \"adaptiveCard/action\", \"value\": 7}",
                "{\"type\": \"message\", \"type\": \"invoke\"}", "{\"a\": " + "[".repeat(400) + "]".repeat(400) + "}",
                "{\"type\": \"message\", \"text\": \"\\ud800\\u0000\"}", "{\"type\": \"message\", \"rows\": 1e999999}")) {
            r.add(teams("teams: genuine token, body " + abbreviate(body), message.withRawBody(body), 400));
        }
        r.add(teams("teams: a click on an approval that is no id", f.sender.execute("approve", "apr_\u0000'; --", null, TeamsFixture.CAROL), 400));
        r.add(teams("teams: a click with an unknown verb", f.sender.execute("launch", "apr_" + "0".repeat(26), null, TeamsFixture.CAROL), 400));
        r.add(teams("teams: a click with a reason of 60000 characters",
                f.sender.execute("deny", "apr_" + "0".repeat(26), "r".repeat(60_000), TeamsFixture.CAROL), 400));
        r.add(teams("teams: a click without a sender", f.sender.execute("approve", "apr_" + "0".repeat(26), null, TeamsFixture.CAROL)
                .edited(a -> a.remove("from")), 400));
        r.add(teams("teams: a click whose value is a string", f.sender.execute("approve", "apr_" + "0".repeat(26), null, TeamsFixture.CAROL)
                .edited(a -> a.put("value", "approve")), 400));
        r.add(teams("teams: a conversation that is a number", message.edited(a -> a.put("conversation", 5)), 400));
        return r;
    }

    private static String abbreviate(String s) {
        String line = s.replaceAll("\\p{Cntrl}", "·");
        return line.length() <= 60 ? line : line.substring(0, 59) + "…";
    }

    @TestFactory
    Stream<DynamicTest> everyBadCallbackIsRefusedOrIgnoredBelow500() {
        return requests().stream().map(q -> DynamicTest.dynamicTest(q.name(), () -> {
            var request = f.node.client.request(HttpMethod.POST, q.path());
            request.headers().addAll(q.headers());
            HttpResponse<Buffer> r = request.sendBuffer(Buffer.buffer(q.body().getBytes(StandardCharsets.UTF_8)))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            BadRequests.Case c = new BadRequests.Case(q.name(), "POST", q.path(), null, Map.of(), q.body(), null, false, 1, false,
                    q.status(), null, null, null);
            BadRequests.check(c, List.of(new BadRequests.Answer(r.statusCode(), r.getHeader("Content-Type"), r.bodyAsString())));
            BadRequests.assertAlive(f.node.server.port());
        }));
    }
}
