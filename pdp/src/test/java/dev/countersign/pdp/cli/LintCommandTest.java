package dev.countersign.pdp.cli;

import static dev.countersign.pdp.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.rules.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code countersign lint} as CI runs it: exit codes, findings with file:line:column and hints, JSON. */
class LintCommandTest {
    private static final String JOIN = """
            package policies.iam

            rule "owners may delete"
            when
                Action( name == "db.delete" )
                Actor( $me : id )
                Resource( owner == $me )
            then
                allow("owner");
            end
            """;
    private static final String TESTS = """
            cases:
              - name: owner delete
                input: {actor: {id: u1}, action: {name: db.delete}, resource: {owner: u1}}
                expect: {verdict: allow}
            """;

    @TempDir
    Path dir;

    private Path bundle(String rules, String tests) throws IOException {
        Path b = dir.resolve("bundle");
        Files.createDirectories(b.resolve("iam"));
        Files.writeString(b.resolve("iam/iam.drl"), rules);
        Files.writeString(b.resolve("iam/iam_test.yaml"), tests);
        return b;
    }

    @Test
    void theStarterPoliciesAreLintClean() {
        CliRun r = run("lint", "../policies");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("../policies: lint clean ("), r.out());
    }

    @Test
    void anErrorExitsOneWithPlaceRuleLintAndHint() throws IOException {
        Path b = bundle(JOIN, TESTS);
        CliRun r = run("lint", b.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains(b.resolve("iam/iam.drl") + ":7:15: error unguarded-join: rule \"owners may delete\": Resource( owner == $me )"),
                r.out());
        assertTrue(r.out().contains("    hint: guard the binding: Actor( $me : id != null )"), r.out());
        assertTrue(r.out().contains(b + ": 1 error, 0 warnings"), r.out());
    }

    @Test
    void jsonListsEachFinding() throws IOException {
        CliRun r = run("lint", "--format", "json", bundle(JOIN, TESTS).toString());
        assertEquals(1, r.status(), r.err());
        JsonNode report = Json.MAPPER.readTree(r.out());
        assertEquals(false, report.get("ok").asBoolean());
        assertEquals(1, report.get("errors").asInt());
        JsonNode f = report.get("findings").get(0);
        assertEquals("iam/iam.drl", f.get("file").asText());
        assertEquals(7, f.get("line").asInt());
        assertEquals(15, f.get("column").asInt());
        assertEquals("owners may delete", f.get("rule").asText());
        assertEquals("unguarded-join", f.get("lint").asText());
        assertEquals("error", f.get("severity").asText());
        assertTrue(f.get("hint").asText().startsWith("guard the binding"), f.toString());
    }

    @Test
    void warningsFailOnlyWhenAsked() throws IOException {
        Path b = bundle(JOIN.replace("db.delete", "db.delet").replace("$me : id", "$me : id != null"), TESTS);
        CliRun r = run("lint", b.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("warning unknown-action: rule \"owners may delete\""), r.out());
        assertTrue(r.out().contains("    hint: did you mean \"db.delete\"?"), r.out());
        assertTrue(r.out().contains(b + ": 0 errors, 1 warning (warnings do not fail)"), r.out());
        assertEquals(1, run("lint", "--warnings-as-errors", b.toString()).status());
    }

    @Test
    void anInvalidBundleGivesItsErrorsAndExitsThree() throws IOException {
        Path b = bundle(JOIN.replace("Actor( $me : id )", "Actor( kind == \"agent\" )").replace("owner == $me", "owner != null"), TESTS);
        CliRun r = run("lint", b.toString());
        assertEquals(3, r.status(), r.out() + r.err());
        assertTrue(r.err().contains(b.resolve("iam/iam.drl") + ":6:12: "), r.err());
        assertTrue(r.err().contains("1 error; the bundle was not loaded"), r.err());
    }
}
