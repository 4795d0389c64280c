package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.Decision;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.testing.RuleTestRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile rules never run. Each case is a bundle whose rule would create a marker file (or read
 * one) when action "go" is decided, with a rule test that decides it. With the static check on, the
 * bundle does not compile and the error names the place; with the static check off (the
 * package-private hook), the sandbox class loader alone still stops it: at compile time, or as a
 * deny with an error reason when the rule is evaluated. In no case does the marker appear, neither
 * after compiling nor after running the bundle's own rule tests.
 */
class SandboxEnforcementTest {
    @TempDir
    Path dir;

    private static final String TEST_FILE = """
            cases:
              - name: go
                input: {action: {name: go}}
                expect: {verdict: allow}
            """;

    /** A rule file with {@code MARKER} where the marker's path goes, and the static check's first error. */
    record Hostile(String name, String drl, String staticError) {
    }

    static List<Hostile> hostile() {
        return List.of(
                new Hostile("a process in a consequence", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            Runtime.getRuntime().exec(new String[]{"touch", "MARKER"});
                            allow("ran");
                        end
                        """, "a.drl:6:5: rule \"r\": Runtime is not available to rules"),
                new Hostile("a file in a consequence", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            new java.io.File("MARKER").createNewFile();
                            allow("ran");
                        end
                        """, "a.drl:6:9: rule \"r\": java.io.File is not available to rules"),
                new Hostile("a file in an eval", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                            eval( new java.io.File("MARKER").createNewFile() )
                        then
                            allow("ran");
                        end
                        """, "a.drl:5:15: rule \"r\": java.io.File is not available to rules"),
                new Hostile("a process in a DRL function", """
                        package p
                        function boolean spawn(String path) {
                            try { return new ProcessBuilder("touch", path).start().waitFor() == 0; } catch (Exception e) { return false; }
                        }
                        rule "r"
                        when
                            Action( name == "go" )
                            eval( spawn("MARKER") )
                        then
                            allow("ran");
                        end
                        """, "a.drl:3:22: ProcessBuilder is not available to rules"),
                new Hostile("a class loaded by a built name", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            Object r = Class.forName("java.lang." + "Runtime");
                            allow("ran " + r);
                        end
                        """, "a.drl:6:16: rule \"r\": Class is not available to rules"),
                new Hostile("reflection from a string", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            Object m = "x".getClass().getMethod("length");
                            allow("ran " + m);
                        end
                        """, "a.drl:6:20: rule \"r\": .getClass is reflection, which is not available to rules"),
                new Hostile("the environment", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            allow("ran " + System.getenv("HOME"));
                        end
                        """, "a.drl:6:20: rule \"r\": System is not available to rules"),
                new Hostile("a clock", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            allow("ran " + java.time.Clock.tickMillis(java.time.ZoneOffset.UTC).millis());
                        end
                        """, "a.drl:6:30: rule \"r\": Clock.tickMillis makes the decision depend on when or by chance it is made"),
                new Hostile("a thread", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                        then
                            new Thread("t").start();
                            allow("ran");
                        end
                        """, "a.drl:6:9: rule \"r\": Thread is not available to rules"),
                new Hostile("a file in a condition, by its qualified name", """
                        package p
                        rule "r"
                        when
                            Action( name == "go", new java.io.File("MARKER").createNewFile() )
                        then
                            allow("ran");
                        end
                        """, "a.drl:4:31: rule \"r\": java.io.File is not available to rules"),
                new Hostile("a file in a from expression", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                            $b : Boolean() from new java.io.File("MARKER").createNewFile()
                        then
                            allow("ran");
                        end
                        """, "a.drl:5:29: rule \"r\": java.io.File is not available to rules"));
    }

    @TestFactory
    Stream<DynamicTest> theStaticCheckRefusesAndNothingRuns() {
        return hostile().stream().map(h -> DynamicTest.dynamicTest(h.name(), () -> {
            Path marker = dir.resolve("static-" + h.name().replace(' ', '-'));
            PolicyBundle bundle = bundle(h, marker);
            InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> PolicyCompiler.compile(bundle, 0, PolicyCompiler.Checks.ALL));
            assertFalse(Files.exists(marker), "compiling ran the rule");
            List<String> errors = e.errors().stream().map(PolicyError::toString).toList();
            assertTrue(errors.get(0).startsWith(h.staticError()), () -> "errors: " + errors);
        }));
    }

    @TestFactory
    Stream<DynamicTest> theClassLoaderAloneStillRefuses() {
        return hostile().stream().map(h -> DynamicTest.dynamicTest(h.name(), () -> {
            Path marker = dir.resolve("loader-" + h.name().replace(' ', '-'));
            CompiledPolicy policy;
            try {
                policy = PolicyCompiler.compile(bundle(h, marker), 0, PolicyCompiler.Checks.CLASS_LOADER_ONLY);
            } catch (InvalidPolicyException e) {
                assertFalse(Files.exists(marker), "compiling ran the rule");
                return;
            }
            assertFalse(Files.exists(marker), "compiling ran the rule");
            RuleTestRunner.Report report = RuleTestRunner.run(policy);
            assertFalse(Files.exists(marker), "the rule tests ran the rule");
            assertEquals(RuleTestRunner.Status.ERROR, report.results().get(0).status(), report.toString());
            Decision d = policy.evaluate(new ActionContext(null, new Action("go", null, null, null), null, null, null, null));
            assertFalse(Files.exists(marker), "deciding ran the rule");
            assertEquals(Verdict.DENY, d.verdict());
            Reason reason = d.reasons().get(0);
            assertEquals(Reason.ERROR_RULE, reason.rule());
            assertTrue(reason.message().contains("is not available to rules"), reason.message());
        }));
    }

    /**
     * A class loader refuses classes, not members: what compiled rule code calls on a class it may
     * link against is checked in its bytecode. With the static check off, each of these is still a
     * compile error naming the rule (or function) and the member.
     */
    @TestFactory
    Stream<DynamicTest> theCompiledCodeCheckRefusesMembersTheClassLoaderCannot() {
        record Member(String name, String drl, String error) {
        }
        String rule = """
                package p
                rule "r"
                    salience 10
                when
                    Action( name == "go" )
                then
                    %s
                end
                rule "deny"
                when
                    Action( name == "go" )
                then
                    deny("denied");
                end
                """;
        return Stream.of(
                new Member("halting the engine to silence a deny", rule.formatted("drools.halt(); allow(\"halted\");"),
                        "a.drl:2: rule \"r\" calls org.drools.core.rule.consequence.KnowledgeHelper.halt, which is not available to rules"),
                new Member("the rule's own context", rule.formatted("allow(kcontext.getRule().getName());"),
                        "a.drl:2: rule \"r\" calls org.kie.api.runtime.rule.RuleContext.getRule, which is not available to rules"),
                new Member("getClass on a value", rule.formatted("allow(\"\" + \"x\".getClass());"),
                        "a.drl:2: rule \"r\" calls java.lang.Object.getClass, which is not available to rules"),
                new Member("the clock of a value type", rule.formatted("allow(\"\" + java.time.Instant.now());"),
                        "a.drl:2: rule \"r\" calls java.time.Instant.now, which is not available to rules"),
                new Member("an array's text, which is its identity", rule.formatted("allow(\"\" + \"a,b\".split(\",\"));"),
                        "a.drl:2: rule \"r\" calls java.lang.String.split, which yields an array"),
                new Member("a comparator's text, which is its identity", rule.formatted("allow(\"\" + String.CASE_INSENSITIVE_ORDER);"),
                        "a.drl:2: rule \"r\" calls java.lang.String.CASE_INSENSITIVE_ORDER, which is not available to rules"),
                new Member("randomness in an eval", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                            eval( Math.random() < 0.5 )
                        then
                            allow("lucky");
                        end
                        """, "a.drl:2: rule \"r\" calls java.lang.Math.random, which is not available to rules"),
                new Member("a system property in a DRL function", """
                        package p
                        function boolean flagged() {
                            return Integer.getInteger("countersign.flag") != null;
                        }
                        rule "r"
                        when
                            Action( name == "go" )
                            eval( flagged() )
                        then
                            allow("flagged");
                        end
                        """, "a.drl:2: function flagged calls java.lang.Integer.getInteger, which is not available to rules"))
                .map(m -> DynamicTest.dynamicTest(m.name(), () -> {
                    PolicyBundle bundle = BundleLoader.fromFiles(Map.of("a.drl", m.drl().getBytes(StandardCharsets.UTF_8)));
                    InvalidPolicyException e = assertThrows(InvalidPolicyException.class,
                            () -> PolicyCompiler.compile(bundle, 0, PolicyCompiler.Checks.WITHOUT_STATIC_CHECK));
                    List<String> errors = e.errors().stream().map(PolicyError::toString).toList();
                    assertTrue(errors.stream().anyMatch(x -> x.startsWith(m.error())), () -> "errors: " + errors);
                    assertThrows(InvalidPolicyException.class, () -> PolicyCompiler.compile(bundle, 0, PolicyCompiler.Checks.ALL));
                }));
    }

    /**
     * Why the static check must be sound on conditions: MVEL resolves System, Runtime, Thread,
     * Class... from its own table, so a condition naming one is not stopped by the class loader. A
     * harmless read shows it; the static check refuses the same rule.
     */
    @org.junit.jupiter.api.Test
    void mvelLiteralsInConditionsPassTheClassLoaderSoTheStaticCheckRefusesThem() throws Exception {
        String drl = """
                package p
                rule "r"
                when
                    Action( name == "go", System.getProperty("java.version") != null )
                then
                    allow("read a system property");
                end
                """;
        PolicyBundle bundle = BundleLoader.fromFiles(Map.of("a.drl", drl.getBytes(StandardCharsets.UTF_8)));
        CompiledPolicy unchecked = PolicyCompiler.compile(bundle, 0, PolicyCompiler.Checks.WITHOUT_STATIC_CHECK);
        Decision d = unchecked.evaluate(new ActionContext(null, new Action("go", null, null, null), null, null, null, null));
        assertEquals(Verdict.ALLOW, d.verdict(), d.toString());
        InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> PolicyCompiler.compile(bundle, 0, PolicyCompiler.Checks.ALL));
        assertEquals(List.of("a.drl:4:27: rule \"r\": System is not available to rules: " + RuleSandbox.HINT),
                e.errors().stream().map(PolicyError::toString).toList());
    }

    private static PolicyBundle bundle(Hostile h, Path marker) {
        return BundleLoader.fromFiles(Map.of(
                "a.drl", h.drl().replace("MARKER", marker.toString()).getBytes(StandardCharsets.UTF_8),
                "a_test.yaml", TEST_FILE.getBytes(StandardCharsets.UTF_8)));
    }
}
