package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.countersign.rules.Decision;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
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
 * Code hidden in a single-quoted DRL literal never runs. The DRL6 lexer reads {@code '...'} and
 * rewrites its token text as a double-quoted string without escaping the double quotes inside it
 * ({@code DRL6Lexer.normalizeString}): {@code 'a" + X + "'} becomes {@code "a" + X + ""}, and the
 * condition, {@code from} and salience text handed to MVEL is built from those token texts, so
 * {@code X} would be evaluated as code (found by the second security review). The sandbox refuses any
 * single-quoted literal holding a double quote, so each bundle here is a compile error and the marker
 * never appears. (The data-driven variants are in {@code cases/23_sandbox_parser_rewrites.yaml}.)
 */
class SingleQuotedLiteralSandboxTest {
    @TempDir
    Path dir;

    record Hostile(String name, String drl) {
    }

    static List<Hostile> hostile() {
        return List.of(
                new Hostile("a process in a condition, inside a single-quoted string", """
                        package p
                        rule "r"
                        when
                            Action( name == 'go" && Runtime.getRuntime().exec(new String[]{"touch", "MARKER"}) != null && "" == "' )
                        then
                            allow("ran");
                        end
                        """),
                new Hostile("a process in a salience expression, inside a single-quoted string", """
                        package p
                        rule "r"
                            salience ( 'x".length() + (Runtime.getRuntime().exec(new String[]{"touch", "MARKER"}) != null ? 1 : 0) + "".compareTo("")*"'.length() )
                        when
                            Action( name == "go" )
                        then
                            allow("ran");
                        end
                        rule "another, so that the agenda orders by salience"
                        when
                            Action( name == "go" )
                        then
                            allow("also");
                        end
                        """),
                new Hostile("the environment through a from, inside a single-quoted string", """
                        package p
                        rule "r"
                        when
                            Action( name == "go" )
                            $h : String() from 'x" + System.getenv("HOME") + " " + System.getProperty("user.name") + "'
                        then
                            deny($h);
                        end
                        """));
    }

    @TestFactory
    Stream<DynamicTest> theSandboxRefusesCodeInsideASingleQuotedString() {
        return hostile().stream().map(h -> DynamicTest.dynamicTest(h.name(), () -> {
            Path marker = dir.resolve("marker-" + h.name().replaceAll("[^a-z]+", "-"));
            PolicyBundle bundle = BundleLoader.fromFiles(Map.of(
                    "a.drl", h.drl().replace("MARKER", marker.toString()).getBytes(StandardCharsets.UTF_8)));
            CompiledPolicy policy;
            try {
                policy = PolicyCompiler.compile(bundle, 0, PolicyCompiler.Checks.ALL);
            } catch (InvalidPolicyException expected) {
                assertFalse(Files.exists(marker), "compiling ran the rule");
                return;
            }
            Decision d = policy.evaluate(new ActionContext(null, new Action("go", null, null, null), null, null, null, null));
            for (int i = 0; i < 40 && !Files.exists(marker); i++) {
                Thread.sleep(50); // the process the rule started runs on its own
            }
            fail("the sandbox accepted the bundle; marker created: " + Files.exists(marker) + "; decision: " + d);
        }));
    }
}
