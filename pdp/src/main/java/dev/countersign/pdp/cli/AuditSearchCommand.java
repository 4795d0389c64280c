package dev.countersign.pdp.cli;

import dev.countersign.pdp.evidence.AuditQuery;
import dev.countersign.pdp.evidence.AuditSearch;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code countersign audit search DIR [filters] [--format json|table] [--limit N]}. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Print the decisions and approval events of an audit log that match every filter given, newest first.",
                "Reads the files as they are, offline; records of kinds it does not know (checkpoints) are skipped.",
                "Exits 0 (also when nothing matches; the table then has its header only), 2 when a flag or PATH is wrong."})
final class AuditSearchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "The audit directory, or one audit file.")
    Path path;

    @Option(names = "--since", paramLabel = "TIME", description = "From this time on (inclusive): 2026-12-01T09:00:00Z, or a date (UTC).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Before this time (exclusive): as --since.")
    String until;

    @Option(names = "--actor", paramLabel = "ID", description = "The actor's id, or whom it acts for (on_behalf_of).")
    String actor;

    @Option(names = "--action", paramLabel = "NAME", description = "The action's name, such as data.export.")
    String action;

    @Option(names = "--verdict", paramLabel = "VERDICT", description = "allow, deny or needs_approval (decisions only).")
    String verdict;

    @Option(names = "--approval", paramLabel = "ID", description = "An approval: the decisions that created or redeemed it, and its events.")
    String approval;

    @Option(names = "--reviewer", paramLabel = "ID", description = "Who voted or decided (approval events only).")
    String reviewer;

    @Option(names = "--control", paramLabel = "ID", description = "A control named by the rules that decided or held, such as SOC2:CC6.1.")
    String control;

    @Option(names = "--rule", paramLabel = "NAME", description = "A rule's name among the reasons, or among the rules that held an approval.")
    String rule;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default: one line per record, tab-separated) or json (each record as written, one per line).")
    String format;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "At most N records (the newest); 0 for all.")
    long limit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        AuditSearch.Format shown;
        AuditQuery query;
        try {
            shown = switch (format) {
                case "json" -> AuditSearch.Format.JSON;
                case "table" -> AuditSearch.Format.TABLE;
                default -> throw new IllegalArgumentException("--format must be json or table, got \"" + format + "\"");
            };
            if (limit < 0) {
                throw new IllegalArgumentException("--limit must be 0 (all) or more, got " + limit);
            }
            query = new AuditQuery(AuditQuery.time("--since", since), AuditQuery.time("--until", until), actor, action, verdict,
                    approval, reviewer, control, rule);
        } catch (IllegalArgumentException e) {
            err.println("countersign audit search: " + e.getMessage());
            err.flush();
            return CountersignCommand.BAD_INPUT;
        }
        try {
            AuditSearch.run(path, query, shown, limit, spec.commandLine().getOut());
            return CountersignCommand.OK;
        } catch (NoSuchFileException e) {
            err.println("countersign audit search: " + path + ": no such file or directory");
        } catch (IOException e) {
            err.println("countersign audit search: " + path + ": cannot be read: " + e.getMessage());
        }
        err.flush();
        return CountersignCommand.BAD_INPUT;
    }
}
