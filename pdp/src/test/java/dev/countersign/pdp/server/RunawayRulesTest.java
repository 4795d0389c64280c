package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules that never end on a real node (the default budget, 50 ms): a rule whose loops the compiler
 * cannot refuse is answered deny with an error reason naming it, promptly, while other requests go on
 * being answered; the cut-offs are counted in {@code /metrics}; a stack overflow is a deny too, never
 * a 500; and a reload whose rule test runs away is refused while the old revision keeps deciding.
 */
class RunawayRulesTest {
    static final String RUNAWAY = """
            package policies.runaway

            rule "loops over copies" @control("SOC2:CC6.1")
            when
                Action( name == "runaway.loop" )
            then
                long n = 0;
                for (Object x : java.util.Collections.nCopies(1000000, "x")) {
                    for (Object y : java.util.Collections.nCopies(1000000, "y")) {
                        n++;
                    }
                }
                deny("" + n);
            end

            rule "overflows the stack" @control("SOC2:CC6.1")
            when
                Action( name == "runaway.overflow" )
            then
                deny("matched: " + "ab".repeat(100000).matches("(a|b)*"));
            end
            """;
    static final String LOOP = "{\"action\": {\"name\": \"runaway.loop\"}}";

    @TempDir
    Path dir;

    @Test
    void aRunawayRuleIsDeniedPromptlyWhileOtherRequestsAreAnswered() throws Exception {
        Path source = dir.resolve("source");
        TestNode.copy(Path.of("../policies"), source);
        Files.createDirectories(source.resolve("runaway"));
        Files.writeString(source.resolve("runaway/runaway.drl"), RUNAWAY);
        try (TestNode node = TestNode.start(TestNode.config(dir.resolve("node"), source, List.of(), List.of()))) {
            assertEquals(0.0, HotReloadTest.metric(node, "countersign_evaluations_cut_off_total"));

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < 2; i++) {
                sendOthers(node, running, answered, failures);
            }
            int runaways = 4;
            int answeredBefore = answered.get();
            for (int i = 0; i < runaways; i++) {
                long started = System.nanoTime();
                var response = node.post("/v1/decisions", LOOP, null);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertTrue(millis < 5_000, "a runaway request was answered in " + millis + " ms");
                assertEquals(200, response.statusCode(), response.bodyAsString());
                JsonObject d = response.bodyAsJsonObject();
                assertEquals("deny", d.getString("verdict"));
                assertEquals(1, d.getJsonArray("reasons").size(), d.encode());
                JsonObject reason = d.getJsonArray("reasons").getJsonObject(0);
                assertEquals("error", reason.getString("rule"));
                assertEquals("policies.runaway", reason.getString("package"));
                assertEquals("rule \"loops over copies\" failed: budget exceeded (50 ms)", reason.getString("message"));
                assertEquals("runaway/runaway.drl:3", reason.getString("source"));
            }
            int answeredMeanwhile = answered.get() - answeredBefore;
            running.set(false);
            Thread.sleep(200);
            assertEquals(List.of(), List.copyOf(failures), "other requests were answered as before");
            assertTrue(answeredMeanwhile > 0, "other requests were answered while the runaways ran");
            assertEquals(runaways, HotReloadTest.metric(node, "countersign_evaluations_cut_off_total"),
                    "each runaway request is counted once (a cut-off decision is never cached)");
            JsonObject bundle = node.get("/health/ready", null).bodyAsJsonObject().getJsonObject("checks").getJsonObject("bundle");
            assertEquals((long) runaways, bundle.getLong("evaluations_cut_off"), "readiness shows the cut-offs: " + bundle.encode());

            var overflow = node.post("/v1/decisions", "{\"action\": {\"name\": \"runaway.overflow\"}}", null);
            assertEquals(200, overflow.statusCode(), overflow.bodyAsString());
            JsonObject reason = overflow.bodyAsJsonObject().getJsonArray("reasons").getJsonObject(0);
            assertEquals("rule \"overflows the stack\" failed: StackOverflowError", reason.getString("message"));
            assertEquals(200, node.get("/health/ready", null).statusCode());
        }
    }

    @Test
    void aReloadWhoseRuleTestRunsAwayIsRefusedAndTheOldRevisionKeepsDeciding() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of()))) {
            String original = node.server.policies().active().revision();
            Path added = dir.resolve("runaway");
            Files.createDirectories(added);
            Files.writeString(added.resolve("runaway_test.yaml"), """
                    cases:
                      - name: a loop is denied
                        input: {action: {name: runaway.loop}}
                        expect: {verdict: deny, reasons: [error]}
                    """);
            Files.writeString(added.resolve("runaway.drl"), RUNAWAY);
            Files.move(added, node.bundle.resolve("runaway"), StandardCopyOption.ATOMIC_MOVE); // one change: both files at once
            JsonObject rejected = HotReloadTest.awaitReload(node, r -> "rejected".equals(r.getString("outcome")));
            JsonObject error = rejected.getJsonArray("errors").getJsonObject(0);
            assertEquals("runaway/runaway_test.yaml", error.getString("file"), rejected.encode());
            assertEquals(2, error.getInteger("line"));
            assertTrue(error.getString("message").startsWith("rule test 'a loop is denied' ERROR: rule \"loops over copies\" failed:"
                    + " budget exceeded (50 ms) (runaway/runaway.drl:3)"), error.getString("message"));
            assertEquals(original, node.server.policies().active().revision(), "the old revision keeps deciding");
            JsonObject decision = node.post("/v1/decisions", LOOP, null).bodyAsJsonObject();
            assertEquals(original, decision.getString("bundle_revision"));
            assertEquals("default", decision.getJsonArray("reasons").getJsonObject(0).getString("rule"),
                    "the old revision has no such rule");
            assertTrue(HotReloadTest.metric(node, "countersign_bundle_reload_failures_total") >= 1.0);
            assertEquals(0.0, HotReloadTest.metric(node, "countersign_evaluations_cut_off_total"),
                    "a rule test cut off is a failed test, not a decision cut off");
        }
    }

    /** Asks, again and again until told to stop, for a decision the starter policies make at once. */
    private static void sendOthers(TestNode node, AtomicBoolean running, AtomicInteger answered, ConcurrentLinkedQueue<String> failures) {
        if (!running.get()) {
            return;
        }
        node.client.post("/v1/decisions").putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(HotReloadTest.AGENT_EXPORT))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        failures.add(ar.cause().toString());
                    } else if (ar.result().statusCode() != 200 || !"needs_approval".equals(ar.result().bodyAsJsonObject().getString("verdict"))) {
                        failures.add(ar.result().statusCode() + " " + ar.result().bodyAsString());
                    } else {
                        answered.incrementAndGet();
                    }
                    sendOthers(node, running, answered, failures);
                });
    }
}
