package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Evaluations with replaced data values, from many threads, beside evaluations of the same policy with its own documents. */
class DataOverrideTest {
    private static final String RULES = """
            package p

            rule "large exports need approval"
            when
                Action( name == "data.export" )
                ActionContext( number("rows") > data.number("limits.export_rows") )
            then
                requireApproval("data-governance", 1, "PT1H", "large");
            end

            rule "exports are allowed"
            when
                Action( name == "data.export" )
            then
                allow("export");
            end
            """;

    @Test
    void replacedDataIsSeenByItsOwnEvaluationOnly() throws Exception {
        CompiledPolicy policy = PolicyCompiler.compile(BundleLoader.fromFiles(Map.of(
                "p.drl", RULES.getBytes(StandardCharsets.UTF_8),
                "data.yaml", "limits: {export_rows: 100, other: 1}\n".getBytes(StandardCharsets.UTF_8))), 0);
        BundleData lowered = policy.bundle().data().overriddenBy(Map.of("limits", Map.of("export_rows", 10)));
        assertEquals(1, lowered.number("limits.other"), "merged by path: the other limit stays");
        assertEquals(100, policy.bundle().data().number("limits.export_rows"), "the bundle's documents are unchanged");
        ActionContext export = new ActionContext(null, new Action("data.export", null, null, Map.of()), null, null, null, Map.of("rows", 50));

        int threads = 4;
        int rounds = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Future<Object>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            boolean overriding = t % 2 == 0;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < rounds; i++) {
                    Verdict v = overriding
                            ? policy.evaluateWithRules(export, "", lowered).decision().verdict()
                            : policy.evaluate(export).verdict();
                    Verdict expected = overriding ? Verdict.NEEDS_APPROVAL : Verdict.ALLOW;
                    if (v != expected) {
                        wrong.add((overriding ? "with replaced data: " : "with the bundle's data: ") + v);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES));
        for (Future<Object> f : done) {
            f.get(); // rethrows what a thread threw
        }
        assertEquals(List.of(), List.copyOf(wrong));
        assertEquals(Verdict.ALLOW, policy.evaluateWithRules(export, "").decision().verdict(), "pooled sessions keep the bundle's data");
    }
}
