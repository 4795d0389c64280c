package dev.countersign.pdp.chat;

import static dev.countersign.pdp.chat.TeamsFixture.APPROVALS;
import static dev.countersign.pdp.chat.TeamsFixture.DAN;
import static dev.countersign.pdp.chat.TeamsFixture.assertNoButtons;
import static dev.countersign.pdp.chat.TeamsFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.slack.PostedMessage;
import dev.countersign.connectors.slack.SignedRequest;
import dev.countersign.connectors.slack.SlackClickDriver;
import dev.countersign.connectors.teams.StoredActivity;
import dev.countersign.pdp.config.ChatSettings;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One approval shown in Slack and in Microsoft Teams at once, on one node with both connectors and
 * a fake of each: a role grant needing two of security, voted once in each place (carol clicks in
 * Slack, dan in Teams), is approved, and every card on both platforms ends showing it without buttons.
 */
class SlackAndTeamsTest {
    @TempDir
    static Path dir;
    static TeamsFixture f;
    static SlackClickDriver slackClicks;

    @BeforeAll
    static void start() throws Exception {
        f = TeamsFixture.start(dir, Clock.systemUTC(), true, chat -> new ChatSettings(chat.slack(), chat.teams(), null,
                Map.of("security", List.of("slack:" + SlackFixture.APPROVALS, "teams:" + APPROVALS),
                        ChatSettings.FALLBACK, List.of("slack:" + SlackFixture.GOVERNANCE, "teams:" + TeamsFixture.GOVERNANCE)),
                ChatSettings.Reminders.NONE, chat.publicUrl()));
        slackClicks = new SlackClickDriver(SlackFixture.SIGNING_SECRET, f.slack);
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    static PostedMessage slackCard(String channel, String id) throws Exception {
        eventually("the Slack card of " + id, 15, () -> slackCards(channel, id).size() == 1);
        return slackCards(channel, id).get(0);
    }

    static List<PostedMessage> slackCards(String channel, String id) {
        return f.slack.messages(channel).stream().filter(m -> m.threadTs() == null && String.valueOf(m.blocks()).contains(id)).toList();
    }

    /** The notices Teams was asked to send, by the node's counter (0 before the first). */
    static double teamsNotices() throws Exception {
        String metrics = f.node.get("/metrics", null).bodyAsString();
        double n = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("countersign_teams_calls_total{call=\"notify\"")) {
                n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return n;
    }

    @Test
    void anApprovalVotedOnceInSlackAndOnceInTeamsIsApprovedAndEveryCardShowsIt() throws Exception {
        String id = f.hold("{\"actor\": {\"id\": \"ops-bot@example.com\", \"type\": \"agent\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"g-" + UUID.randomUUID() + "\"}");
        PostedMessage inSlack = slackCard(SlackFixture.APPROVALS, id);
        StoredActivity inTeams = f.card(APPROVALS, id);
        int lookups = f.slack.requests("users.lookupByEmail").size();
        double notices = teamsNotices();
        assertNotNull(inSlack.button("approve"));
        assertEquals(List.of("approve", "deny"), inTeams.verbs());

        SignedRequest.Answer clicked = TeamsFixture.await(slackClicks.click(inSlack, "approve", "U0CAROL")
                .send(f.vertx, "http://127.0.0.1:" + f.node.server.port() + "/connectors/slack/interactions"));
        assertEquals(200, clicked.status(), clicked.body());
        eventually("carol's vote counted", 10, () -> f.votes(id).size() == 1);
        assertEquals("pending", f.status(id), "security needs two");
        eventually("the Teams card shows carol's vote from Slack", 15, () -> f.bot.activity(APPROVALS, inTeams.id()).allText()
                .contains("carol@example.com"));
        assertEquals(List.of("approve", "deny"), f.bot.activity(APPROVALS, inTeams.id()).verbs(), "still open in Teams");
        eventually("the Teams thread told of it", 10, () -> f.replies(APPROVALS, inTeams.id()).stream()
                .anyMatch(r -> r.text() != null && r.text().contains("carol@example.com approved (via slack)")));

        JsonNode answered = TeamsReviewTest.answeredCard(f.send(f.on(inTeams).execute("approve", id, null, DAN)));
        assertNoButtons(answered, "dan's card");
        assertEquals("approved", f.status(id));
        JsonArray votes = f.votes(id);
        assertEquals(2, votes.size());
        assertEquals("carol@example.com", votes.getJsonObject(0).getString("reviewer"));
        assertEquals("slack", votes.getJsonObject(0).getString("channel"));
        assertEquals("dan@example.com", votes.getJsonObject(1).getString("reviewer"));
        assertEquals("teams", votes.getJsonObject(1).getString("channel"));

        eventually("the Slack card without buttons", 15, () -> f.slack.message(SlackFixture.APPROVALS, inSlack.ts()).button("approve") == null);
        eventually("the Teams card without buttons", 15, () -> f.bot.activity(APPROVALS, inTeams.id()).verbs().isEmpty());
        PostedMessage slackNow = f.slack.message(SlackFixture.APPROVALS, inSlack.ts());
        assertNull(slackNow.button("deny"));
        assertTrue(slackNow.allText().toLowerCase().contains("approved"), slackNow.allText());
        StoredActivity teamsNow = f.bot.activity(APPROVALS, inTeams.id());
        assertNoButtons(teamsNow.card(), "the Teams card");
        assertTrue(teamsNow.allText().contains("Approved"), teamsNow.allText());
        assertTrue(teamsNow.allText().contains("dan@example.com"), teamsNow.allText());
        eventually("the Slack thread told of dan's vote", 10, () -> f.slack.replies(SlackFixture.APPROVALS, inSlack.ts()).stream()
                .anyMatch(r -> r.text().contains("dan@example.com approved (via teams)")));
        eventually("Slack asked for the requester by email", 10, () -> f.slack.requests("users.lookupByEmail").size() > lookups);
        Thread.sleep(300);
        assertEquals(notices, teamsNotices(), "Teams cannot address a requester known only by email: no notice, and none counted");
        assertEquals(1, slackCards(SlackFixture.APPROVALS, id).size(), "one Slack card");
        assertEquals(1, f.cards(APPROVALS, id).size(), "one Teams card");
        assertEquals(List.of(), f.slack.violations());
        assertEquals(List.of(), f.bot.violations());
    }

    @Test
    void aVoteInTeamsIsShownInSlackAndASlackClickAfterTheDecisionCountsNothing() throws Exception {
        String id = f.hold(SlackFixture.export("both " + UUID.randomUUID()));
        PostedMessage inSlack = slackCard(SlackFixture.GOVERNANCE, id);
        StoredActivity inTeams = f.card(TeamsFixture.GOVERNANCE, id);
        TeamsReviewTest.answeredCard(f.send(f.on(inTeams).execute("deny", id, "not to us-east-1", DAN)));
        assertEquals("denied", f.status(id));
        eventually("the Slack card shows the denial", 15, () -> f.slack.message(SlackFixture.GOVERNANCE, inSlack.ts()).button("approve") == null
                && f.slack.message(SlackFixture.GOVERNANCE, inSlack.ts()).allText().contains("not to us-east-1"));
        SignedRequest.Answer late = TeamsFixture.await(slackClicks.click(id, "approve", "U0CAROL", SlackFixture.GOVERNANCE, inSlack.ts())
                .send(f.vertx, "http://127.0.0.1:" + f.node.server.port() + "/connectors/slack/interactions"));
        assertEquals(200, late.status(), late.body());
        Thread.sleep(300);
        assertEquals(1, f.votes(id).size(), "the late Slack click counts nothing");
        eventually("the Teams card without buttons", 15, () -> f.bot.activity(TeamsFixture.GOVERNANCE, inTeams.id()).verbs().isEmpty());
    }
}
