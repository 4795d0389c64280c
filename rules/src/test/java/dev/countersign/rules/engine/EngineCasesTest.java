package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.countersign.rules.Decision;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.Reason;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.testing.RuleTestRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The engine's behaviour as data: each file under {@code src/test/resources/cases/} is a bundle
 * ({@code files}) and either the exact sorted compile {@code errors} it must produce, or
 * {@code decisions} its evaluation must give, and/or rule-test outcomes ({@code rule_tests}).
 *
 * <pre>
 * description: what the case shows
 * files: {a.drl: "...", data.yaml: "..."}
 * errors: ["a.drl:5:13: Action has no property 'nme' ..."]     # or:
 * decisions:
 *   - name: ...
 *     input: {action: {name: x}}
 *     scope: policies.export          # optional package scope
 *     verdict: deny
 *     reasons: [{rule: default}]      # exact list in order; each key optional ('message_contains', 'controls' too)
 *     approval: {groups: [a], quorum: {a: 1}, ttl: PT1H}   # exact; absent: none expected
 *     cut_off: true                   # the budget cut the evaluation off (counted, not cached); default false
 * rule_tests: {pass: 2, fail: 1, error: 0}                 # counts the bundle's own *_test.yaml must give
 *   statuses: {"a case name": pass}                         # optional: the status of named cases (every case of that name)
 * max_evaluation_time: PT0.05S        # the budget of each evaluation; by default one no case reaches by chance
 * </pre>
 */
class EngineCasesTest {
    private static final Path CASES = Path.of("src/test/resources/cases");
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ActionContextReader READER = new ActionContextReader();
    /** The budget of cases that are not about it: long enough that no slow machine cuts one off. */
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @TestFactory
    Stream<DynamicNode> engineCases() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(CASES)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 8, "engine case files are missing");
        return files.stream().map(EngineCasesTest::caseFile);
    }

    @SuppressWarnings("unchecked")
    private static DynamicNode caseFile(Path file) {
        Map<String, Object> spec;
        try {
            spec = YAML.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            return DynamicTest.dynamicTest(file.getFileName().toString(), () -> fail("unreadable case file: " + e));
        }
        String title = file.getFileName() + ": " + spec.getOrDefault("description", "");
        Map<String, byte[]> bundleFiles = new LinkedHashMap<>();
        ((Map<String, String>) spec.get("files")).forEach((k, v) -> bundleFiles.put(k, v.getBytes(StandardCharsets.UTF_8)));
        PolicyBundle bundle = BundleLoader.fromFiles(bundleFiles);
        List<DynamicNode> tests = new ArrayList<>();
        if (spec.containsKey("errors")) {
            List<String> expected = (List<String>) spec.get("errors");
            tests.add(DynamicTest.dynamicTest("compile errors", () -> {
                try {
                    PolicyCompiler.compile(bundle);
                    fail("the bundle compiled, but these errors were expected: " + expected);
                } catch (InvalidPolicyException e) {
                    assertEquals(expected, e.errors().stream().map(PolicyError::toString).toList());
                }
            }));
            return DynamicContainer.dynamicContainer(title, tests);
        }
        Duration budget = spec.containsKey("max_evaluation_time") ? Duration.parse((String) spec.get("max_evaluation_time")) : GENEROUS;
        CompiledPolicy policy;
        try {
            policy = PolicyCompiler.compile(bundle, PolicyCompiler.DEFAULT_CACHE_SIZE, budget);
        } catch (InvalidPolicyException e) {
            return DynamicTest.dynamicTest(title, () -> fail("does not compile: " + e.errors()));
        }
        for (Map<String, Object> d : (List<Map<String, Object>>) spec.getOrDefault("decisions", List.of())) {
            tests.add(DynamicTest.dynamicTest(String.valueOf(d.get("name")), () -> checkDecision(policy, d)));
        }
        if (spec.containsKey("rule_tests")) {
            Map<String, Object> counts = (Map<String, Object>) spec.get("rule_tests");
            tests.add(DynamicTest.dynamicTest("rule tests", () -> {
                RuleTestRunner.Report report = RuleTestRunner.run(policy);
                assertEquals(counts.getOrDefault("pass", 0), (int) report.count(RuleTestRunner.Status.PASS), report.toString());
                assertEquals(counts.getOrDefault("fail", 0), (int) report.count(RuleTestRunner.Status.FAIL), report.toString());
                assertEquals(counts.getOrDefault("error", 0), (int) report.count(RuleTestRunner.Status.ERROR), report.toString());
                Map<String, String> statuses = (Map<String, String>) counts.getOrDefault("statuses", Map.of());
                statuses.forEach((name, status) -> {
                    List<RuleTestRunner.CaseResult> named = report.results().stream().filter(r -> r.name().equals(name)).toList();
                    assertFalse(named.isEmpty(), "no case is named " + name);
                    named.forEach(r -> assertEquals(status, r.status().name().toLowerCase(java.util.Locale.ROOT), r.toString()));
                });
            }));
        }
        return DynamicContainer.dynamicContainer(title, tests);
    }

    @SuppressWarnings("unchecked")
    private static void checkDecision(CompiledPolicy policy, Map<String, Object> d) throws IOException {
        ActionContext input = READER.read(Json.MAPPER.writeValueAsBytes(d.get("input")));
        String scope = (String) d.getOrDefault("scope", "");
        long cutOffBefore = policy.cutOffEvaluations();
        Decision decision = policy.evaluate(input, scope);
        String shown = dev.countersign.rules.json.DecisionJson.toJsonString(decision);
        assertEquals(Boolean.TRUE.equals(d.get("cut_off")) ? 1 : 0, policy.cutOffEvaluations() - cutOffBefore, "cut off: " + shown);
        assertEquals(d.get("verdict"), decision.verdict().wireName(), shown);
        if (d.containsKey("reasons")) {
            List<Map<String, Object>> expected = (List<Map<String, Object>>) d.get("reasons");
            assertEquals(expected.size(), decision.reasons().size(), "number of reasons in " + shown);
            for (int i = 0; i < expected.size(); i++) {
                Map<String, Object> e = expected.get(i);
                Reason r = decision.reasons().get(i);
                if (e.containsKey("rule")) {
                    assertEquals(e.get("rule"), r.rule(), shown);
                }
                if (e.containsKey("package")) {
                    assertEquals(e.get("package"), r.packageName(), shown);
                }
                if (e.containsKey("verdict")) {
                    assertEquals(e.get("verdict"), r.verdict().wireName(), shown);
                }
                if (e.containsKey("message")) {
                    assertEquals(e.get("message"), r.message(), shown);
                }
                if (e.containsKey("message_contains")) {
                    assertTrue(r.message().contains((String) e.get("message_contains")), "message of " + shown);
                }
                if (e.containsKey("source")) {
                    assertEquals(e.get("source"), r.source(), shown);
                }
                if (e.containsKey("controls")) {
                    assertEquals(e.get("controls"), r.controls(), shown);
                }
            }
        }
        if (d.containsKey("approval")) {
            Map<String, Object> a = (Map<String, Object>) d.get("approval");
            assertNotNull(decision.approval(), shown);
            assertEquals(a.get("groups"), decision.approval().groups(), shown);
            assertEquals(a.get("quorum"), decision.approval().quorum(), shown);
            assertEquals(a.get("ttl"), decision.approval().ttl().toString(), shown);
        } else {
            assertNull(decision.approval(), shown);
        }
        assertEquals(policy.revision(), decision.bundleRevision());
    }
}
