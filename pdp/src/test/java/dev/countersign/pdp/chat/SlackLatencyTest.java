package dev.countersign.pdp.chat;

import static dev.countersign.pdp.chat.SlackFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.SlackFixture.export;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.connectors.slack.ReceivedRequest;
import dev.countersign.pdp.config.ChatSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Slack adds to a held action, printed for benchmarks/README.md and never asserted: the hold's
 * own latency on a node without connectors (the baseline) and on one posting every hold to Slack,
 * and the time from the hold's answer to the card reaching Slack. Asserted: every hold is held and
 * every card arrives exactly once.
 */
class SlackLatencyTest {
    static final int WARMUP = 50;
    static final int HOLDS = 200;

    @TempDir
    Path dir;

    @Test
    void latencyOfAHoldWithAndWithoutSlackAndOfItsCard() throws Exception {
        try (SlackFixture plain = SlackFixture.start(dir.resolve("plain"), Clock.systemUTC(), chat -> ChatSettings.NONE);
             SlackFixture slack = SlackFixture.start(dir.resolve("slack"), Clock.systemUTC(), UnaryOperator.identity())) {
            List<Double> withoutTook = new ArrayList<>();
            List<Double> withTook = new ArrayList<>();
            Map<String, Instant> answered = new HashMap<>();
            for (int i = 0; i < WARMUP + HOLDS; i++) {   // alternately, so that both see the same machine
                hold(plain, i >= WARMUP ? withoutTook : null, null);
                hold(slack, i >= WARMUP ? withTook : null, i >= WARMUP ? answered : null);
            }
            assertEquals(0, plain.slack.requests("chat.postMessage").size(), "no connector, no card");
            SlackFixture.eventually("every card posted", 60, () -> posted(slack).keySet().containsAll(answered.keySet()));
            Map<String, List<ReceivedRequest>> byApproval = posted(slack);
            List<Double> card = new ArrayList<>();
            for (Map.Entry<String, Instant> a : answered.entrySet()) {
                List<ReceivedRequest> posts = byApproval.get(a.getKey());
                assertEquals(1, posts.size(), "one card for " + a.getKey());
                card.add(Duration.between(a.getValue(), posts.get(0).at()).toNanos() / 1e6);
            }
            System.out.printf("hold without connectors: %s%nhold with Slack:         %s%nhold answered → card at Slack: %s%n",
                    summary(withoutTook), summary(withTook), summary(card));
        }
    }

    /** One hold on {@code f}'s node; its latency in ms added to {@code took} and its answer's time to {@code answered}, when given. */
    private static void hold(SlackFixture f, List<Double> took, Map<String, Instant> answered) throws Exception {
        String body = export("latency " + UUID.randomUUID());
        long start = System.nanoTime();
        String id = f.hold(body);
        long end = System.nanoTime();
        if (took != null) {
            took.add((end - start) / 1e6);
        }
        if (answered != null) {
            answered.put(id, Instant.now());
        }
    }

    /** The successful posts to the governance channel, by the approval id in their metadata. */
    private static Map<String, List<ReceivedRequest>> posted(SlackFixture f) {
        Map<String, List<ReceivedRequest>> by = new HashMap<>();
        for (ReceivedRequest r : f.slack.requests("chat.postMessage", GOVERNANCE)) {
            String id = r.json() == null ? "" : r.json().path("metadata").path("event_payload").path("approval_id").asText("");
            if (r.status() == 200 && r.error() == null && !id.isEmpty()) {
                by.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
            }
        }
        return by;
    }

    private static String summary(List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        return String.format("median %.2f ms, p90 %.2f ms, p99 %.2f ms, n %d", sorted.get(sorted.size() / 2),
                sorted.get((int) (sorted.size() * 0.9)), sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99))), sorted.size());
    }
}
