package dev.countersign.rules.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.engine.PolicyCompiler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundle files are the bundle's own regular files: links are refused unread, and errors about data,
 * rule tests and the manifest say where and what without quoting the file.
 */
class BundleLoaderTest {
    private static final String SECRET = "s3cr3t-t0ken-4f9a";
    private static final String RULES = """
            package p

            rule "reads"
            when
                Action( name == "data.read" )
            then
                allow("reads");
            end
            """;

    @TempDir
    Path tmp;

    private int bundles;

    private Path bundle() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bundle" + bundles++));
        Files.writeString(dir.resolve("rules.drl"), RULES);
        return dir;
    }

    /** A file outside the bundle that must never be shown: its first token is the secret. */
    private Path secret() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path file = outside.resolve("credentials");
        Files.writeString(file, SECRET + "\nmore: secrets\n");
        return file;
    }

    private static List<String> errorsOf(Path bundle) {
        InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> PolicyCompiler.compile(BundleLoader.load(bundle)));
        return e.errors().stream().map(PolicyError::toString).toList();
    }

    private static void assertNoSecret(List<String> errors) {
        for (String error : errors) {
            assertFalse(error.contains(SECRET) || error.contains("secrets"), () -> "an error shows the secret: " + error);
        }
    }

    @Test
    void aSymlinkedDataFileIsRefusedUnread() throws IOException {
        Path bundle = bundle();
        Files.createSymbolicLink(bundle.resolve("data.json"), secret());
        List<String> errors = errorsOf(bundle);
        assertEquals(List.of("data.json: is a symbolic link; bundle files must be regular files inside the bundle"), errors);
        assertNoSecret(errors);
    }

    @Test
    void aSymlinkedRuleFileOrTestIsRefused() throws IOException {
        Path bundle = bundle();
        Files.createSymbolicLink(bundle.resolve("more.drl"), secret());
        Files.createSymbolicLink(bundle.resolve("more_test.yaml"), secret());
        List<String> errors = errorsOf(bundle);
        assertEquals(List.of("more.drl: is a symbolic link; bundle files must be regular files inside the bundle",
                "more_test.yaml: is a symbolic link; bundle files must be regular files inside the bundle"), errors);
        assertNoSecret(errors);
    }

    @Test
    void aSymlinkedFolderIsRefusedAndNothingInItIsRead() throws IOException {
        Path bundle = bundle();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("data.json"), SECRET);
        Files.writeString(elsewhere.resolve("export.drl"), SECRET);
        Files.createSymbolicLink(bundle.resolve("export"), elsewhere);
        List<String> errors = errorsOf(bundle);
        assertEquals(List.of("export: is a symbolic link; bundle files must be regular files inside the bundle"), errors);
        assertNoSecret(errors);
    }

    @Test
    void aBundleWhoseRootIsALinkLoads() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("current"), bundle());
        assertEquals(1, PolicyCompiler.compile(BundleLoader.load(link)).rules().size());
    }

    @Test
    void linksToFilesThatAreNotBundleFilesAreIgnoredLikeTheFilesThemselves() throws Exception {
        Path bundle = bundle();
        Files.createSymbolicLink(bundle.resolve("README.md"), secret());
        assertEquals(1, PolicyCompiler.compile(BundleLoader.load(bundle)).rules().size());
    }

    /** Files whose parse errors would show their content; each must say where and what, and quote nothing. */
    @TestFactory
    Stream<DynamicTest> malformedFilesAreDescribedWithoutTheirContent() {
        record Malformed(String file, String content, String error) {
        }
        return Stream.of(
                new Malformed("data.json", "{\"regions\": " + SECRET + "}\n", "data.json:1:13: not valid JSON: a word that is not a JSON value; strings must be quoted"),
                new Malformed("data.json", SECRET + "\n", "data.json:1:1: not valid JSON: a word that is not a JSON value; strings must be quoted"),
                new Malformed("data.json", "{\"" + SECRET + "\": 1,}", "data.json:1:25: not valid JSON: unexpected character where a quoted key was expected"),
                new Malformed("data.json", "{\"a\": \"" + SECRET + "\\q\"}", "data.json:1:26: not valid JSON: a string contains an unknown escape sequence"),
                new Malformed("data.yaml", SECRET + "\nfoo: bar\n", "data.yaml:1:1: expected a mapping at the top level, got a string"),
                new Malformed("data.yaml", "a: b: " + SECRET + "\n", "data.yaml:1:5: not valid YAML: mapping values are not allowed here"),
                new Malformed("data.yaml", "key: [" + SECRET + ", 2\n", "data.yaml:2:1: not valid YAML: expected ',' or ']', but got <stream end>"),
                new Malformed("data.yaml", "a:\n\t" + SECRET + ": 1\n", "data.yaml:2:1: not valid YAML: a character that cannot start any YAML token (tabs cannot indent)"),
                new Malformed("bundle.yaml", SECRET + ": 1\n", "bundle.yaml:1:1: an unknown key; a manifest has name, default_verdict, always and require_controls"),
                new Malformed("bundle.yaml", "default_verdict: " + SECRET + "\n", "bundle.yaml:1:18: default_verdict must be allow or deny"),
                new Malformed("a_test.yaml", "cases:\n  - name: x\n    input: {action: {name: a}}\n    expect: {verdict: " + SECRET + "}\n",
                        "a_test.yaml:4:23: the verdict is not one of allow, deny, needs_approval"),
                new Malformed("a_test.yaml", "cases:\n  - name: x\n    input: {action: {name: a}, context: {time: " + SECRET + "}}\n    expect: {verdict: allow}\n",
                        "a_test.yaml:3:48: input/context/time: expected an ISO-8601 date-time with an offset, such as \"2026-11-21T09:30:00Z\""),
                new Malformed("a_test.yaml", "cases:\n  - name: x\n    " + SECRET + ": 1\n", "a_test.yaml:3:5: an unknown key in a case; expected name, package, data, input, expect"))
                .map(m -> DynamicTest.dynamicTest(m.file() + ": " + m.error(), () -> {
                    Path bundle = bundle();
                    Files.writeString(bundle.resolve(m.file()), m.content(), StandardCharsets.UTF_8);
                    List<String> errors = errorsOf(bundle);
                    assertNoSecret(errors);
                    assertTrue(errors.contains(m.error()), () -> "errors: " + errors);
                }));
    }
}
