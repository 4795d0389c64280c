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

/** The CLI as a security engineer uses it: exit codes, summaries, errors with file:line, the decision JSON. */
class CliTest {
    static final String RULES = """
            package policies.export

            rule "agents need approval for production exports"
            when
                Action( name == "data.export" )
                Actor( type == "agent" )
                Resource( environment == "production" )
            then
                requireApproval("data-governance", 1, "PT1H", "Agent export of production data");
            end
            """;

    @TempDir
    Path dir;


    private Path bundle(String rules, String tests) throws IOException {
        Path b = dir.resolve("bundle");
        Files.createDirectories(b.resolve("export"));
        Files.writeString(b.resolve("export/export.drl"), rules);
        if (tests != null) {
            Files.writeString(b.resolve("export/export_test.yaml"), tests);
        }
        return b;
    }

    @Test
    void passingTestsExitZeroWithASummary() throws IOException {
        Path b = bundle(RULES, """
                cases:
                  - name: agent export of production data needs approval
                    input: {actor: {id: "agent:etl", type: agent}, action: {name: data.export}, resource: {environment: production}}
                    expect:
                      verdict: needs_approval
                      reasons: ["agents need approval for production exports"]
                      approval: {groups: [data-governance], quorum: {data-governance: 1}, ttl: PT1H}
                """);
        CliRun r = run("test", b.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("PASS  " + b.resolve("export/export_test.yaml") + ":2  agent export of production data needs approval"), r.out());
        assertTrue(r.out().contains("PASS: 1 case in 1 file, 1 passed, 0 failed, 0 errors"), r.out());
    }

    @Test
    void aFailingCaseExitsOneAndShowsExpectedAndActual() throws IOException {
        Path b = bundle(RULES, """
                cases:
                  - name: humans export freely
                    input: {actor: {id: alice, type: human}, action: {name: data.export}, resource: {environment: production}}
                    expect: {verdict: allow}
                """);
        CliRun r = run("test", "--quiet", b.toString());
        assertEquals(1, r.status());
        assertTrue(r.out().contains("FAIL  " + b.resolve("export/export_test.yaml") + ":2  humans export freely"), r.out());
        assertTrue(r.out().contains("verdict: expected allow, got deny"), r.out());
        assertTrue(r.out().contains("expected: allow"), r.out());
        assertTrue(r.out().contains("actual:   deny reasons [default]"), r.out());
        assertTrue(r.out().contains("FAIL: 1 case in 1 file, 0 passed, 1 failed, 0 errors"), r.out());
    }

    @Test
    void quietJsonListsOnlyWhatDidNotPassWithEveryCount() throws IOException {
        Path b = bundle(RULES, """
                cases:
                  - name: agents are held
                    input: {actor: {id: "agent:etl", type: agent}, action: {name: data.export}, resource: {environment: production}}
                    expect: {verdict: needs_approval}
                  - name: humans export freely
                    input: {actor: {id: alice, type: human}, action: {name: data.export}, resource: {environment: production}}
                    expect: {verdict: allow}
                """);
        CliRun quiet = run("test", "--quiet", "--format", "json", b.toString());
        assertEquals(1, quiet.status(), quiet.err());
        JsonNode q = Json.MAPPER.readTree(quiet.out());
        assertEquals(1, q.get("passed").asInt());
        assertEquals(1, q.get("failed").asInt());
        assertEquals(0, q.get("errors").asInt());
        assertEquals(1, q.get("cases").size(), q.toString());
        assertEquals("humans export freely", q.at("/cases/0/name").asText());
        assertEquals("FAIL", q.at("/cases/0/status").asText());
        JsonNode all = Json.MAPPER.readTree(run("test", "--format", "json", b.toString()).out());
        assertEquals(2, all.get("cases").size(), all.toString());
    }

    @Test
    void everyProblemOfTheTestFilesIsReportedAtOnce() throws IOException {
        Path b = bundle(RULES, """
                cases:
                  - name: a typo in a reason
                    input: {action: {name: data.export}}
                    expect: {verdict: deny, not_reasons: ["agents need aproval for production exports"]}
                  - name: an unknown package
                    package: policies.exprt
                    input: {action: {name: data.export}}
                    expect: {verdict: deny}
                """);
        CliRun r = run("test", b.toString());
        assertEquals(3, r.status());
        Path file = b.resolve("export/export_test.yaml");
        assertTrue(r.err().contains(file + ":4:43: no rule is named \"agents need aproval for production exports\"; did you mean"
                + " \"agents need approval for production exports\"?"), r.err());
        assertTrue(r.err().contains(file + ":6:14: package policies.exprt holds no rules, nor does a package below it; did you mean"
                + " \"policies.export\"?"), r.err());
        assertTrue(r.err().contains("2 errors; the bundle was not loaded"), r.err());
    }

    @Test
    void aBundleWithoutTestsIsRefused() throws IOException {
        CliRun r = run("test", bundle(RULES, null).toString());
        assertEquals(3, r.status());
        assertTrue(r.err().contains("the bundle has no rule tests"), r.err());
    }

    @Test
    void aBrokenRuleFileGivesErrorsWithFileAndLine() throws IOException {
        Path b = bundle(RULES.replace("Actor( type == \"agent\" )", "Actor( kind == \"agent\" )"), "cases: []\n");
        CliRun r = run("test", b.toString());
        assertEquals(3, r.status());
        assertTrue(r.err().contains(b.resolve("export/export.drl") + ":6:12: rule \"agents need approval for production exports\": Actor has no property 'kind'"), r.err());
        assertTrue(r.err().contains("1 error; the bundle was not loaded"), r.err());
    }

    @Test
    void evalPrintsTheDecisionWithRuleAndSource() throws IOException {
        Path b = bundle(RULES, null);
        Path input = dir.resolve("input.json");
        Files.writeString(input, "{\"actor\": {\"id\": \"agent:etl\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.export\"},"
                + " \"resource\": {\"environment\": \"production\"}}");
        CliRun r = run("eval", "--bundle", b.toString(), "--input", input.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode d = Json.MAPPER.readTree(r.out());
        assertEquals("needs_approval", d.get("verdict").asText());
        assertEquals("agents need approval for production exports", d.at("/reasons/0/rule").asText());
        assertEquals("export/export.drl:3", d.at("/reasons/0/source").asText());
        assertEquals(1, d.at("/approval/quorum/data-governance").asInt());
        assertTrue(d.get("decision_id").asText().matches("[0-9A-Z]{26}"));
        assertTrue(d.get("bundle_revision").asText().startsWith("sha256:"));
    }

    @Test
    void evalWithAPackageHearsTheAlwaysPackages() throws IOException {
        Path b = bundle(RULES.replace("requireApproval(\"data-governance\", 1, \"PT1H\", \"Agent export of production data\");",
                "allow(\"agents export\");"), null);
        Files.createDirectories(b.resolve("common"));
        Files.writeString(b.resolve("common/common.drl"), """
                package policies.common

                rule "suspended actors are denied"
                when
                    Actor( flag("suspended") == true )
                then
                    deny("suspended");
                end
                """);
        Files.writeString(b.resolve("bundle.yaml"), "always: [policies.common]\n");
        Path input = dir.resolve("input.json");
        Files.writeString(input, "{\"actor\": {\"id\": \"agent:etl\", \"type\": \"agent\", \"suspended\": true},"
                + " \"action\": {\"name\": \"data.export\"}, \"resource\": {\"environment\": \"production\"}}");
        CliRun r = run("eval", "--bundle", b.toString(), "--input", input.toString(), "--package", "policies.export");
        assertEquals(0, r.status(), r.err());
        JsonNode d = Json.MAPPER.readTree(r.out());
        assertEquals("deny", d.get("verdict").asText(), d.toString());
        assertEquals("suspended actors are denied", d.at("/reasons/0/rule").asText());
        assertEquals("policies.common", d.at("/reasons/0/package").asText());

        Files.writeString(b.resolve("bundle.yaml"), "always: [policies.comon]\n");
        CliRun wrong = run("eval", "--bundle", b.toString(), "--input", input.toString(), "--package", "policies.export");
        assertEquals(3, wrong.status());
        assertTrue(wrong.err().contains(b.resolve("bundle.yaml") + ":1:10: always names policies.comon, which is no package of the"
                + " bundle; did you mean \"policies.common\"?"), wrong.err());
    }

    @Test
    void evalOfARuleThatOverflowsTheStackPrintsTheDenial() throws IOException {
        Path b = bundle("""
                package policies.export

                rule "matches too deep"
                when
                    Action( name == "data.export" )
                then
                    deny("matched: " + "ab".repeat(100000).matches("(a|b)*"));
                end
                """, null);
        Path input = dir.resolve("input.json");
        Files.writeString(input, "{\"action\": {\"name\": \"data.export\"}}");
        CliRun r = run("eval", "--bundle", b.toString(), "--input", input.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        JsonNode d = Json.MAPPER.readTree(r.out());
        assertEquals("deny", d.get("verdict").asText());
        assertEquals("error", d.at("/reasons/0/rule").asText());
        assertEquals("rule \"matches too deep\" failed: StackOverflowError", d.at("/reasons/0/message").asText());
        assertEquals("export/export.drl:3", d.at("/reasons/0/source").asText());
    }

    @Test
    void aRuleTestThatRunsAwayIsAnErrorAtTheBudgetGiven() throws IOException {
        Path b = bundle("""
                package policies.export

                rule "loops over copies"
                when
                    Action( name == "data.export" )
                then
                    for (Object x : java.util.Collections.nCopies(1000000, "x")) {
                        for (Object y : java.util.Collections.nCopies(1000000, "y")) {
                            x.equals(y);
                        }
                    }
                    deny("looped");
                end
                """, """
                cases:
                  - name: exports are denied
                    input: {action: {name: data.export}}
                    expect: {verdict: deny, reasons: [error]}
                """);
        CliRun r = run("test", "--max-evaluation-time", "PT0.02S", b.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("ERROR " + b.resolve("export/export_test.yaml") + ":2  exports are denied"), r.out());
        assertTrue(r.out().contains("rule \"loops over copies\" failed: budget exceeded (20 ms) (export/export.drl:3)"), r.out());
        assertEquals(2, run("test", "--max-evaluation-time", "PT0S", b.toString()).status());
    }

    @Test
    void evalRejectsBadInputNamingThePath() throws IOException {
        Path input = dir.resolve("bad.json");
        Files.writeString(input, "{\"action\": {\"name\": \"x\"}, \"actor\": {\"roles\": \"admin\"}}");
        CliRun r = run("eval", "--bundle", bundle(RULES, null).toString(), "--input", input.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("/actor/roles: expected an array of strings, got a string"), r.err());
        assertEquals(2, run("eval", "--bundle", dir.toString(), "--input", dir.resolve("missing.json").toString()).status());
    }

    @Test
    void theStarterPoliciesPass() {
        CliRun r = run("test", "--quiet", "../policies");
        assertEquals(0, r.status(), r.out() + r.err());
    }
}
