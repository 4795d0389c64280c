package dev.countersign.rules.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import dev.countersign.rules.engine.RuleRef;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Coverage decides each case as {@code test} does: in the case's {@code package}, with the
 * {@code always} packages, and with the data values the case puts in. A rule that fires only under a
 * case's own data, and a condition that holds only in a case's scope, count as covered; the same
 * bundle whose cases say neither leaves them uncovered.
 */
class CoverageOfCasesTest {
    private static final String RULES = """
            package acme.export

            rule "large exports need approval"
            when
                Action( name == "data.export" )
                ActionContext( number("rows") > data.number("limits.export_rows") )
            then
                requireApproval("data-governance", 1, "PT1H", "large");
            end
            """;
    private static final String COMMON = """
            package acme.common

            rule "suspended actors are denied"
            when
                Actor( type == "suspended" )
            then
                deny("suspended");
            end
            """;

    private static CompiledPolicy compile(String tests) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("bundle.yaml", "always: [acme.common]\n".getBytes(StandardCharsets.UTF_8));
        files.put("data.yaml", "limits: {export_rows: 100}\n".getBytes(StandardCharsets.UTF_8));
        files.put("export/export.drl", RULES.getBytes(StandardCharsets.UTF_8));
        files.put("common/common.drl", COMMON.getBytes(StandardCharsets.UTF_8));
        files.put("export/export_test.yaml", tests.getBytes(StandardCharsets.UTF_8));
        return PolicyCompiler.compile(BundleLoader.fromFiles(files));
    }

    @Test
    void aCasesPackageAndDataCount() throws Exception {
        CompiledPolicy policy = compile("""
                cases:
                  - name: over a lowered limit
                    package: acme.export
                    data: {limits: {export_rows: 10}}
                    input: {action: {name: data.export}, rows: 50}
                    expect: {verdict: needs_approval, reasons: ["large exports need approval"]}
                  - name: a suspended actor is denied in the export scope too
                    package: acme.export
                    input: {actor: {type: suspended}, action: {name: data.export}, rows: 1}
                    expect: {verdict: deny, reasons: ["suspended actors are denied"]}
                """);
        Coverage coverage = Coverage.measure(policy);
        assertEquals(List.of(), coverage.notFired().stream().map(RuleRef::name).toList());
        assertTrue(coverage.full(), "conditions never held: " + coverage.neverHeld());
    }

    @Test
    void withoutThemTheRuleIsNotCovered() throws Exception {
        CompiledPolicy policy = compile("""
                cases:
                  - name: under the bundle's limit
                    input: {action: {name: data.export}, rows: 50}
                    expect: {verdict: deny}
                  - name: a suspended actor
                    input: {actor: {type: suspended}, action: {name: data.export}, rows: 1}
                    expect: {verdict: deny, reasons: ["suspended actors are denied"]}
                """);
        Coverage coverage = Coverage.measure(policy);
        assertEquals(List.of("large exports need approval"), coverage.notFired().stream().map(RuleRef::name).toList());
        assertEquals(1, coverage.neverHeld().size(), "the rows condition: " + coverage.neverHeld());
    }
}
