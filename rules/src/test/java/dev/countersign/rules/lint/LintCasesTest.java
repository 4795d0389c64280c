package dev.countersign.rules.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The linter's behaviour as data: each file under {@code src/test/resources/lint/} is a bundle
 * ({@code files}, which must compile) and the exact findings, sorted, that linting it gives, each as
 * {@link LintFinding#toString()}; a {@code bundle.yaml} among the files may name {@code always} packages.
 *
 * <pre>
 * description: what the case shows
 * always: [p.common]                  # optional
 * files: {a.drl: "...", a_test.yaml: "..."}
 * findings: ["a.drl:5:13: error contradiction: rule \"x\": ... (hint: ...)"]   # [] for none
 * </pre>
 */
class LintCasesTest {
    private static final Path CASES = Path.of("src/test/resources/lint");
    private static final Path STARTER = Path.of(System.getProperty("countersign.policies", "../policies"));
    private static final ObjectMapper YAML = new YAMLMapper();
    /** Long enough that no slow machine cuts a case's evaluation off. */
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @TestFactory
    Stream<DynamicTest> lintCases() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(CASES)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 9, "lint case files are missing");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    @SuppressWarnings("unchecked")
    private static void check(Path file) throws IOException {
        Map<String, Object> spec = YAML.readValue(file.toFile(), Map.class);
        Map<String, byte[]> bundleFiles = new LinkedHashMap<>();
        ((Map<String, String>) spec.get("files")).forEach((k, v) -> bundleFiles.put(k, v.getBytes(StandardCharsets.UTF_8)));
        PolicyBundle bundle = BundleLoader.fromFiles(bundleFiles);
        CompiledPolicy policy;
        try {
            policy = PolicyCompiler.compile(bundle, PolicyCompiler.DEFAULT_CACHE_SIZE, GENEROUS);
        } catch (InvalidPolicyException e) {
            fail(spec.get("description") + ": does not compile: " + e.errors());
            return;
        }
        List<String> expected = (List<String>) spec.get("findings");
        List<String> actual = Linter.lint(policy).stream().map(LintFinding::toString).toList();
        assertEquals(String.join("\n", expected), String.join("\n", actual), String.valueOf(spec.get("description")));
    }

    @Test
    void theStarterBundleIsLintClean() throws InvalidPolicyException {
        CompiledPolicy policy = PolicyCompiler.compile(BundleLoader.load(STARTER), PolicyCompiler.DEFAULT_CACHE_SIZE, GENEROUS);
        assertEquals("", String.join("\n", Linter.lint(policy).stream().map(LintFinding::toString).toList()));
    }

    /** The starter's clean lint is not vacuous: without the IAM tests, each IAM rule (all deny or need approval) is untested. */
    @Test
    void withoutItsIamTestsTheStarterBundleHasUntestedRules() throws InvalidPolicyException {
        PolicyBundle starter = BundleLoader.load(STARTER);
        PolicyBundle withoutIam = new PolicyBundle(starter.name(), starter.defaultVerdict(), starter.ruleFiles(), starter.data(),
                starter.tests().stream().filter(t -> !t.path().startsWith("iam/")).toList(), starter.revision(), starter.problems(),
                starter.always());
        CompiledPolicy policy = PolicyCompiler.compile(withoutIam, PolicyCompiler.DEFAULT_CACHE_SIZE, GENEROUS);
        List<LintFinding> findings = Linter.lint(policy);
        long iamRules = policy.rules().stream().filter(r -> r.packageName().equals("policies.iam")).count();
        assertTrue(iamRules >= 6, "the starter's IAM rules: " + iamRules);
        assertEquals(iamRules, findings.stream().filter(f -> f.lint() == Lint.MISSING_TEST && f.file().startsWith("iam/")).count(),
                findings.toString());
    }
}
