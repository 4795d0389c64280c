package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Resource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Evaluation from many threads at once, and swaps while evaluations run. */
class ConcurrentEvaluationTest {
    private static final String RULES = """
            package p

            rule "agents in production need sre"
            when
                Action( name == "infra.deploy" )
                Actor( type == "agent" )
                Resource( environment == "production" )
            then
                requireApproval("sre", 1, "PT1H", "agent deploy");
            end

            rule "deploys are allowed"
            when
                Action( name == "infra.deploy" )
            then
                allow("deploys");
            end

            rule "databases are not deleted in production"
            when
                Action( name == "db.delete" )
                Resource( environment == "production" )
            then
                deny("keep production databases");
            end

            rule "reads"
            when
                Action( name == "data.read" )
                Actor( $me : id != null )
                Resource( owner == $me )
            then
                allow("own data");
            end
            """;

    static CompiledPolicy compile(String drl) throws Exception {
        return compile(drl, 0);
    }

    /**
     * Compiled with a budget no evaluation reaches however long the threads wait for a core: these tests
     * are about what threads agree on, and the budget is wall-clock time.
     */
    static CompiledPolicy compile(String drl, int cacheSize) throws Exception {
        return PolicyCompiler.compile(BundleLoader.fromFiles(Map.of("p.drl", drl.getBytes(StandardCharsets.UTF_8))), cacheSize,
                Duration.ofSeconds(30));
    }

    static List<ActionContext> inputs() {
        List<ActionContext> inputs = new ArrayList<>();
        String[] actions = {"infra.deploy", "db.delete", "data.read", "other"};
        String[] types = {"agent", "human"};
        String[] envs = {"production", "staging"};
        for (String a : actions) {
            for (String t : types) {
                for (String e : envs) {
                    for (String owner : new String[]{"u1", "u2"}) {
                        inputs.add(new ActionContext(new Actor("u1", t, null, null, null, null), new Action(a, null, null, null),
                                new Resource("db", "r", null, e, null, owner, null), null, null, null));
                    }
                }
            }
        }
        return inputs;
    }

    /** What matters of a decision for equality across runs: everything but its id. */
    static String meaning(Decision d) {
        return d.verdict() + " " + d.reasons() + " " + d.approval() + " " + d.bundleRevision();
    }

    @Test
    void manyThreadsAgreeWithOneThread() throws Exception {
        CompiledPolicy policy = compile(RULES);
        List<ActionContext> inputs = inputs();
        List<String> expected = inputs.stream().map(i -> meaning(policy.evaluate(i))).toList();
        assertTrue(expected.stream().anyMatch(m -> m.startsWith("NEEDS_APPROVAL") || m.startsWith("needs_approval")));
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            futures.add(pool.submit(() -> {
                start.await();
                for (int n = 0; n < 5_000; n++) {
                    int i = (n * 31 + seed * 7) % inputs.size();
                    String got = meaning(policy.evaluate(inputs.get(i)));
                    if (!got.equals(expected.get(i))) {
                        mismatches.add(i + ": expected " + expected.get(i) + " got " + got);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (var f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(List.of(), List.copyOf(mismatches));
    }

    @Test
    void everyDecisionDuringSwapsIsEntirelyOneRevisionsAnswer() throws Exception {
        CompiledPolicy allowing = compile(RULES);
        CompiledPolicy denying = compile(RULES.replace("allow(\"deploys\")", "deny(\"no deploys\")"));
        assertNotEquals(allowing.revision(), denying.revision());
        ActionContext deploy = new ActionContext(new Actor("u1", "human", null, null, null, null),
                new Action("infra.deploy", null, null, null), null, null, null, null);
        PolicyEngine engine = new PolicyEngine(allowing);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger seenAllowing = new AtomicInteger();
        AtomicInteger seenDenying = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread w = new Thread(() -> {
                while (running.get()) {
                    Decision d = engine.decide(deploy);
                    Reason r = d.reasons().get(0);
                    if (d.bundleRevision().equals(allowing.revision()) && d.verdict() == Verdict.ALLOW && r.rule().equals("deploys are allowed")) {
                        seenAllowing.incrementAndGet();
                    } else if (d.bundleRevision().equals(denying.revision()) && d.verdict() == Verdict.DENY && r.message().equals("no deploys")) {
                        seenDenying.incrementAndGet();
                    } else {
                        wrong.add(meaning(d));
                    }
                }
            });
            w.start();
            workers.add(w);
        }
        for (int swap = 0; swap < 40; swap++) {
            engine.activate(swap % 2 == 0 ? denying : allowing);
            Thread.sleep(5);
        }
        running.set(false);
        for (Thread w : workers) {
            w.join(30_000);
        }
        assertEquals(List.of(), List.copyOf(wrong));
        assertTrue(seenAllowing.get() > 0 && seenDenying.get() > 0, "both revisions answered");
        // A retired policy still answers an evaluation that started late on it.
        assertEquals(Verdict.DENY, denying.evaluate(deploy).verdict());
    }

    @Test
    void theCacheAnswersAsTheRulesWouldWithIdsOfItsOwn() throws Exception {
        CompiledPolicy rulesOnly = compile(RULES, 0);
        CompiledPolicy cached = compile(RULES, 5);
        List<ActionContext> inputs = inputs();
        for (int round = 0; round < 3; round++) {
            for (ActionContext input : inputs) {
                Decision expected = rulesOnly.evaluate(input);
                Decision first = cached.evaluate(input);
                Decision again = cached.evaluate(input);
                assertEquals(meaning(expected), meaning(first));
                assertEquals(meaning(expected), meaning(again));
                assertNotEquals(first.decisionId(), again.decisionId(), "every decision has an id of its own");
                assertEquals(meaning(rulesOnly.evaluate(input, "p")), meaning(cached.evaluate(input, "p")), "a scope is part of the key");
            }
        }
        ActionContext differentOnlyInAnAttribute = new ActionContext(inputs.get(0).actor(), inputs.get(0).action(),
                inputs.get(0).resource(), null, null, Map.of("ticket", "T-1"));
        assertEquals(meaning(rulesOnly.evaluate(differentOnlyInAnAttribute)), meaning(cached.evaluate(differentOnlyInAnAttribute)));
    }

    @Test
    void manyThreadsAgreeWithOneThroughTheCache() throws Exception {
        CompiledPolicy rulesOnly = compile(RULES, 0);
        CompiledPolicy cached = compile(RULES, 7);
        List<ActionContext> inputs = inputs();
        List<String> expected = inputs.stream().map(i -> meaning(rulesOnly.evaluate(i))).toList();
        ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int seed = t;
            Thread thread = new Thread(() -> {
                for (int n = 0; n < 5_000; n++) {
                    int i = (n * 17 + seed * 5) % inputs.size();
                    String got = meaning(cached.evaluate(inputs.get(i)));
                    if (!got.equals(expected.get(i))) {
                        mismatches.add(i + ": " + got);
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        assertEquals(List.of(), List.copyOf(mismatches));
    }

    @Test
    void decisionIdsAreUlidsThatDifferAndSortByTime() {
        String earlier = DecisionIds.next(1_000_000L);
        String later = DecisionIds.next(2_000_000L);
        assertTrue(earlier.matches("[0-9A-HJKMNP-TV-Z]{26}"), earlier);
        assertTrue(earlier.compareTo(later) < 0);
        assertEquals(1000, new java.util.HashSet<>(java.util.stream.IntStream.range(0, 1000).mapToObj(i -> DecisionIds.next()).toList()).size());
    }
}
