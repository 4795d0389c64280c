package dev.countersign.pdp.cli;

import dev.countersign.pdp.evidence.AuditQuery;
import dev.countersign.pdp.evidence.EvidenceReport;
import dev.countersign.pdp.evidence.ReportHtml;
import dev.countersign.pdp.evidence.ReportJson;
import dev.countersign.rules.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code countersign audit report DIR [--since T] [--until T] [--out FILE] [--format html|json]}. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write an evidence report of an audit log for a period: decisions by verdict per day, held actions with"
                + " their votes and time to decide, expired approvals, refused self-approvals, controls exercised, bundle"
                + " revisions, and the chain's verification.",
                "HTML (one self-contained file: no script, font or image to fetch) or JSON with the same figures.",
                "Exits 0 when the chain is intact, 1 when the report was written but the chain is broken, 2 when a flag or PATH is wrong."})
final class AuditReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "The audit directory, or one audit file.")
    Path path;

    @Option(names = "--since", paramLabel = "TIME", description = "From this time on (inclusive): 2026-12-01T09:00:00Z, or a date (UTC).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Before this time (exclusive): as --since.")
    String until;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the report to FILE instead of standard output.")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "html", description = "html (the default) or json.")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Instant from;
        Instant to;
        try {
            if (!format.equals("html") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be html or json, got \"" + format + "\"");
            }
            from = AuditQuery.time("--since", since);
            to = AuditQuery.time("--until", until);
            AuditQuery.period(from, to); // checks the order
        } catch (IllegalArgumentException e) {
            err.println("countersign audit report: " + e.getMessage());
            err.flush();
            return CountersignCommand.BAD_INPUT;
        }
        try {
            EvidenceReport report = EvidenceReport.of(path, from, to, Instant.now());
            String text = format.equals("json")
                    ? new String(Json.write(g -> dev.countersign.rules.json.JsonValues.write(g, ReportJson.of(report), false)),
                            StandardCharsets.UTF_8) + "\n"
                    : ReportHtml.of(report);
            if (out != null) {
                Files.writeString(out, text, StandardCharsets.UTF_8);
                spec.commandLine().getOut().println("wrote " + out + " (chain " + (report.chainIntact() ? "intact" : "BROKEN") + ")");
            } else {
                spec.commandLine().getOut().print(text);
            }
            spec.commandLine().getOut().flush();
            return report.chainIntact() ? CountersignCommand.OK : CountersignCommand.FAILED;
        } catch (NoSuchFileException e) {
            err.println("countersign audit report: " + e.getFile() + ": no such file or directory");
        } catch (IOException e) {
            err.println("countersign audit report: " + path + ": cannot be read or written: " + e.getMessage());
        }
        err.flush();
        return CountersignCommand.BAD_INPUT;
    }
}
