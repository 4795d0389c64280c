package dev.countersign.pdp.cli;

import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.lint.Lint;
import dev.countersign.rules.lint.LintFinding;
import dev.countersign.rules.lint.Linter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code countersign lint DIR}: compiles a bundle and reports what its rules likely get wrong. */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = "Compile the bundle in DIR and lint its rules: rules that can never fire or never decide, unguarded joins,"
                + " whole-string matches used as searches, untested deny and needs_approval rules."
                + " Exits 0 when there is no error (warnings alone do not fail), 1 when there is one, 3 when the bundle is invalid.")
final class LintCommand implements Callable<Integer> {
    enum Format { text, json }

    @Parameters(index = "0", paramLabel = "DIR", description = "The bundle directory.")
    Path bundle;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--warnings-as-errors", description = "Exit 1 on warnings too.")
    boolean warningsAsErrors;

    @Mixin
    EvaluationBudget budget;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!budget.usable(err)) {
            return CountersignCommand.BAD_INPUT;
        }
        CompiledPolicy policy = BundleOutput.compile(bundle, budget.value, err);
        if (policy == null) {
            return CountersignCommand.INVALID_BUNDLE;
        }
        List<LintFinding> findings = Linter.lint(policy);
        boolean fails = Linter.fails(findings, warningsAsErrors);
        long errors = findings.stream().filter(f -> f.severity() == Lint.Severity.ERROR).count();
        long warnings = findings.size() - errors;
        if (format == Format.json) {
            out.println(new String(json(policy, findings, fails, errors, warnings), StandardCharsets.UTF_8));
        } else {
            for (LintFinding f : findings) {
                out.println(bundle.resolve(f.file()).normalize() + ":" + f.line() + ":" + f.column() + ": " + f.severity().label() + " "
                        + f.lint().id() + ": rule \"" + f.rule() + "\": " + f.message());
                out.println("    hint: " + f.hint());
            }
            out.println(findings.isEmpty() ? bundle + ": lint clean (" + policy.rules().size() + " rules)"
                    : bundle + ": " + count(errors, "error") + ", " + count(warnings, "warning") + (fails ? "" : " (warnings do not fail)"));
        }
        out.flush();
        return fails ? CountersignCommand.FAILED : CountersignCommand.OK;
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static byte[] json(CompiledPolicy policy, List<LintFinding> findings, boolean fails, long errors, long warnings) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("bundle_revision", policy.revision());
            g.writeBooleanField("ok", !fails);
            g.writeNumberField("errors", errors);
            g.writeNumberField("warnings", warnings);
            g.writeArrayFieldStart("findings");
            for (LintFinding f : findings) {
                g.writeStartObject();
                g.writeStringField("file", f.file());
                g.writeNumberField("line", f.line());
                g.writeNumberField("column", f.column());
                g.writeStringField("rule", f.rule());
                g.writeStringField("lint", f.lint().id());
                g.writeStringField("severity", f.severity().label());
                g.writeStringField("message", f.message());
                g.writeStringField("hint", f.hint());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
