package dev.countersign.benchmarks.approvals;

import dev.countersign.benchmarks.approvals.ApprovalNodes.Node;
import dev.countersign.connectors.slack.FakeSlack;
import dev.countersign.connectors.slack.ReceivedRequest;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * With Slack configured (every member routes data-governance to one channel of the connectors'
 * fake Slack Web API, a real HTTP server on loopback in this process): sequential holds on each
 * member in turn, and for each the time from the moment the client has read the hold's answer to the
 * moment the fake received the card's {@code chat.postMessage} (the same clock: both are in this
 * JVM). A card that arrives before the answer is read counts as 0 and is counted apart. Checked:
 * every approval gets exactly one card, accepted by the fake ({@code ok: true}), and the fake saw no
 * protocol violation.
 */
final class SlackCards {
    static final double CARD_P99_MS = 100;
    static final String CHANNEL = "C0GOVERNANCE";
    static final String SIGNING_SECRET = "bench-signing-secret-0123456789";

    private SlackCards() {
    }

    /** The configuration that routes holds to {@code slack}. */
    static String config(FakeSlack slack) {
        return "connectors:\n  slack: {bot_token: \"" + FakeSlack.BOT_TOKEN + "\", signing_secret: \"" + SIGNING_SECRET + "\", api_base: \""
                + slack.baseUrl() + "\"}\nroutes:\n  data-governance: [\"slack:" + CHANNEL + "\"]\n";
    }

    static FakeSlack start(Vertx vertx) throws Exception {
        return FakeSlack.start(vertx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).channel(CHANNEL, "data-governance");
    }

    static void run(ApprovalNodes nodes, FakeSlack slack, Results results, int warmup, int holds) throws Exception {
        Results.Latency hold = results.latency("hold_with_slack", "POST /v1/decisions answered needs_approval with Slack configured; "
                + "sequential, each member in turn", null);
        Results.Latency card = results.latency("card_after_hold", "from the client having read the hold's answer to chat.postMessage of its "
                + "card arriving at the fake Slack (0 when it arrived first)", CARD_P99_MS);
        Map<String, Instant> answered = new HashMap<>();
        List<Node> members = nodes.nodes;
        for (int i = -warmup; i < holds; i++) {
            Node n = members.get(Math.floorMod(i, members.size()));
            long t0 = System.nanoTime();
            String id = Requests.held(Requests.send(Requests.post(n, "/v1/decisions", Requests.export("agent", "card " + UUID.randomUUID()),
                    nodes.agentToken(Math.floorMod(i, ApprovalLatency.AGENTS)))));
            long t1 = System.nanoTime();
            Instant at = Instant.now();
            if (i >= 0) {
                hold.recordNanos(t1 - t0);
                answered.put(id, at);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, List<ReceivedRequest>> cards = cards(slack);
        while (!cards.keySet().containsAll(answered.keySet())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException((answered.size() - cards.size()) + " cards not posted within 60 s");
            }
            Thread.sleep(100);
            cards = cards(slack);
        }
        int first = 0;
        for (Map.Entry<String, Instant> a : answered.entrySet()) {
            List<ReceivedRequest> posts = cards.get(a.getKey());
            if (posts.size() != 1) {
                throw new IllegalStateException(posts.size() + " cards for " + a.getKey());
            }
            long nanos = Duration.between(a.getValue(), posts.get(0).at()).toNanos();
            if (nanos <= 0) {
                first++;
            }
            card.recordNanos(nanos);
        }
        if (!slack.violations().isEmpty()) {
            throw new IllegalStateException("the fake Slack saw protocol violations: " + slack.violations());
        }
        results.value("cards_before_answer", "cards", first, null, null,
                "cards that reached the fake Slack before the client had read the hold's answer (counted as 0 ms)");
    }

    /** The accepted posts to the channel, by the approval id in their metadata. */
    private static Map<String, List<ReceivedRequest>> cards(FakeSlack slack) {
        Map<String, List<ReceivedRequest>> by = new HashMap<>();
        for (ReceivedRequest r : slack.requests("chat.postMessage", CHANNEL)) {
            String id = r.json() == null ? "" : r.json().path("metadata").path("event_payload").path("approval_id").asText("");
            if (r.status() == 200 && r.error() == null && !id.isEmpty() && r.json().path("thread_ts").isMissingNode()) {
                by.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
            }
        }
        return by;
    }
}
