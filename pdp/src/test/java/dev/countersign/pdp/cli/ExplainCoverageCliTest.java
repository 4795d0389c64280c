package dev.countersign.pdp.cli;

import static dev.countersign.pdp.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code eval --explain} and {@code test --coverage} print exactly the golden explanations and
 * coverage report of the rules module (its {@code golden/explain} bundle and inputs), in text and in
 * JSON, and leave exit codes as they are without them.
 */
class ExplainCoverageCliTest {
    private static final Path GOLDEN = Path.of("../rules/src/test/resources/golden/explain");
    private static final String BUNDLE = GOLDEN.resolve("bundle").toString();

    @Test
    void evalExplainPrintsTheExplanationAsText() throws IOException {
        for (String name : new String[] {"read-by-a-human", "edit-on-a-weekend", "edit-with-lines-as-text"}) {
            CliRun r = run("eval", "--bundle", BUNDLE, "--input", GOLDEN.resolve(name + ".input.json").toString(), "--explain");
            assertEquals(0, r.status(), r.err());
            assertEquals(Files.readString(GOLDEN.resolve(name + ".txt")), r.out(), name);
        }
    }

    @Test
    void evalExplainAsJsonIsTheDecisionWithAnExplanationField() throws IOException {
        CliRun r = run("eval", "--bundle", BUNDLE, "--input", GOLDEN.resolve("edit-on-a-weekend.input.json").toString(), "--explain",
                "--format", "json");
        assertEquals(0, r.status(), r.err());
        JsonObject out = new JsonObject(r.out());
        JsonObject golden = new JsonObject(Files.readString(GOLDEN.resolve("edit-on-a-weekend.json")));
        assertEquals(golden.getString("verdict"), out.getString("verdict"));
        assertTrue(out.getString("decision_id").length() > 10, r.out());
        assertEquals(golden.getJsonObject("explanation"), out.getJsonObject("explanation"));
    }

    @Test
    void evalWithoutExplainIsUnchangedAndTextNeedsExplain() {
        String input = GOLDEN.resolve("read-by-a-human.input.json").toString();
        CliRun plain = run("eval", "--bundle", BUNDLE, "--input", input);
        assertEquals(0, plain.status(), plain.err());
        assertTrue(new JsonObject(plain.out()).getValue("explanation") == null, plain.out());
        CliRun text = run("eval", "--bundle", BUNDLE, "--input", input, "--format", "text");
        assertEquals(CountersignCommand.BAD_INPUT, text.status());
        assertEquals("--format text goes with --explain; without it the decision is printed as JSON\n", text.err());
    }

    @Test
    void testCoveragePrintsTheReportAfterTheSummary() throws IOException {
        CliRun r = run("test", "--coverage", BUNDLE);
        assertEquals(0, r.status(), r.out() + r.err());
        String report = Files.readString(GOLDEN.resolve("coverage.txt"));
        assertTrue(r.out().endsWith(report), r.out());
        assertTrue(r.out().substring(0, r.out().length() - report.length()).contains("PASS: 2 cases"), r.out());
    }

    @Test
    void testCoverageAsJsonIsAFieldOfTheReport() throws IOException {
        CliRun r = run("test", "--coverage", "--format", "json", BUNDLE);
        assertEquals(0, r.status(), r.out() + r.err());
        JsonObject out = new JsonObject(r.out());
        assertEquals(new JsonObject(Files.readString(GOLDEN.resolve("coverage.json"))), out.getJsonObject("coverage"));
        assertEquals(2, out.getInteger("passed"));
    }

    @Test
    void minCoverageFailsARunBelowIt() {
        CliRun below = run("test", "--min-coverage", "70", BUNDLE);
        assertEquals(CountersignCommand.FAILED, below.status(), below.out() + below.err());
        assertEquals("coverage 68.7% is below --min-coverage 70.0%\n", below.err());
        assertTrue(below.out().contains("coverage: 4 of 9 rules fired"), below.out());
        CliRun above = run("test", "--min-coverage", "68.7", BUNDLE);
        assertEquals(0, above.status(), above.out() + above.err());
        assertEquals(CountersignCommand.BAD_INPUT, run("test", "--min-coverage", "101", BUNDLE).status());
        assertEquals(0, run("test", "--min-coverage", "100", "../policies").status());
    }

    @Test
    void theStarterBundleIsFullyCovered() {
        CliRun r = run("test", "--coverage", "--format", "json", "../policies");
        assertEquals(0, r.status(), r.out() + r.err());
        JsonObject coverage = new JsonObject(r.out()).getJsonObject("coverage");
        assertEquals(true, coverage.getBoolean("full"), coverage.encodePrettily());
        assertEquals(coverage.getJsonObject("rules").getInteger("total"), coverage.getJsonObject("rules").getInteger("fired"));
    }
}
