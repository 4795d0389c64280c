package dev.countersign.pdp.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.explain.Coverage;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.testing.RuleTestRunner;
import dev.countersign.rules.testing.RuleTestRunner.CaseResult;
import dev.countersign.rules.testing.RuleTestRunner.Status;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code countersign test DIR}: compiles a bundle and runs its rule tests. */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Compile the bundle in DIR and run its rule tests (*_test.yaml). "
                + "Exits 0 when every case passes, 1 when one fails or errors, 3 when the bundle is invalid or has no tests.")
final class TestCommand implements Callable<Integer> {
    enum Format { text, json }

    @Parameters(index = "0", paramLabel = "DIR", description = "The bundle directory.")
    Path bundle;

    @Option(names = {"-q", "--quiet"}, description = "Print only the cases that did not pass, and the summary (the counts of"
            + " every case); in every format.")
    boolean quiet;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--coverage", description = "After the cases, report which rules no case fires and which conditions were true"
            + " in no case (in text, or as the field coverage of the JSON); the exit code does not depend on it.")
    boolean coverage;

    @Option(names = "--min-coverage", paramLabel = "PERCENT", description = "With --coverage implied: exit 1 when the coverage"
            + " (rules fired and explained conditions held, together) is below PERCENT, even if every case passes.")
    Double minCoverage;

    @Mixin
    EvaluationBudget budget;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        if (!budget.usable(err)) {
            return CountersignCommand.BAD_INPUT;
        }
        if (minCoverage != null && (minCoverage.isNaN() || minCoverage < 0 || minCoverage > 100)) {
            err.println("--min-coverage must be a percentage from 0 to 100, such as 90");
            return CountersignCommand.BAD_INPUT;
        }
        CompiledPolicy policy = BundleOutput.compile(bundle, budget.value, err);
        if (policy == null) {
            return CountersignCommand.INVALID_BUNDLE;
        }
        long compiled = System.nanoTime();
        if (policy.bundle().testCaseCount() == 0) {
            err.println(bundle + ": the bundle has no rule tests; add *_test.yaml files beside the rules");
            return CountersignCommand.INVALID_BUNDLE;
        }
        RuleTestRunner.Report report = RuleTestRunner.run(policy);
        long ran = System.nanoTime();
        Coverage measured = coverage || minCoverage != null ? Coverage.measure(policy) : null;
        if (format == Format.json) {
            out.println(new String(json(policy, report, measured), StandardCharsets.UTF_8));
        } else {
            text(out, policy, report, (compiled - started) / 1_000_000, (ran - compiled) / 1_000_000);
            if (measured != null) {
                out.print(measured.text());
            }
        }
        out.flush();
        if (measured != null && minCoverage != null && measured.percent() < minCoverage) {
            err.println("coverage " + measured.percent() + "% is below --min-coverage " + minCoverage + "%");
            return CountersignCommand.FAILED;
        }
        return report.ok() ? CountersignCommand.OK : CountersignCommand.FAILED;
    }

    private void text(PrintWriter out, CompiledPolicy policy, RuleTestRunner.Report report, long compileMillis, long runMillis) {
        for (CaseResult r : report.results()) {
            if (quiet && r.status() == Status.PASS) {
                continue;
            }
            out.printf("%-5s %s  %s%n", r.status(), bundle.resolve(r.file()).normalize() + ":" + r.line(), r.name());
            if (r.status() != Status.PASS) {
                for (String problem : r.problems()) {
                    out.println("      " + problem);
                }
                out.println("      expected: " + r.expected());
                out.println("      actual:   " + r.actual());
            }
        }
        long files = policy.bundle().tests().size();
        out.printf("%s: %d %s in %d %s, %d passed, %d failed, %d errors (%d rules compiled in %d ms, tests ran in %d ms)%n",
                report.ok() ? "PASS" : "FAIL", report.results().size(), report.results().size() == 1 ? "case" : "cases",
                files, files == 1 ? "file" : "files", report.count(Status.PASS), report.count(Status.FAIL),
                report.count(Status.ERROR), policy.rules().size(), compileMillis, runMillis);
    }

    private byte[] json(CompiledPolicy policy, RuleTestRunner.Report report, Coverage measured) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("bundle_revision", policy.revision());
            g.writeBooleanField("ok", report.ok());
            g.writeNumberField("passed", report.count(Status.PASS));
            g.writeNumberField("failed", report.count(Status.FAIL));
            g.writeNumberField("errors", report.count(Status.ERROR));
            g.writeArrayFieldStart("cases");
            for (CaseResult r : report.results()) {
                if (!quiet || r.status() != Status.PASS) {
                    writeCase(g, r);
                }
            }
            g.writeEndArray();
            if (measured != null) {
                g.writeFieldName("coverage");
                measured.writeJson(g);
            }
            g.writeEndObject();
        });
    }

    private static void writeCase(JsonGenerator g, CaseResult r) throws java.io.IOException {
        g.writeStartObject();
        g.writeStringField("file", r.file());
        g.writeNumberField("line", r.line());
        g.writeStringField("name", r.name());
        g.writeStringField("status", r.status().name());
        g.writeStringField("expected", r.expected());
        g.writeStringField("actual", r.actual());
        g.writeArrayFieldStart("problems");
        for (String p : r.problems()) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
