package dev.countersign.pdp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level command; each verb is a subcommand. */
@Command(name = "countersign",
        mixinStandardHelpOptions = true,
        versionProvider = CountersignCommand.Version.class,
        description = "Policy decision point: decides allow, deny or needs_approval for one action, with Drools rules.",
        subcommands = {ServeCommand.class, TestCommand.class, LintCommand.class, EvalCommand.class, AuditCommand.class, HookCommand.class, AttestCommand.class, StoreCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success (for test: every case passed; for lint: no error; hook pre-tool-use always, its answer on standard output)",
                "1:some rule-test case failed or errored; lint found an error; the audit log is broken; an attestation does not verify; the server failed to start;"
                        + " the approval store cannot be used",
                "2:bad usage or bad input",
                "3:the bundle is invalid or has no tests"})
public final class CountersignCommand {
    /** Exit status: every rule-test case passed, or the command did what it was asked. */
    public static final int OK = 0;
    /** Exit status: some rule-test case failed or errored, or lint found an error. */
    public static final int FAILED = 1;
    /** Exit status: bad usage or bad input. */
    public static final int BAD_INPUT = 2;
    /** Exit status: the bundle does not load or compile, or has no tests. */
    public static final int INVALID_BUNDLE = 3;

    public static CommandLine commandLine() {
        return new CommandLine(new CountersignCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Whether the command line starts a server, which keeps the process alive after {@code execute} returns. */
    public static boolean keepsRunning(String[] args) {
        return args.length > 0 && args[0].equals("serve");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CountersignCommand.class.getPackage().getImplementationVersion();
            return new String[]{"countersign " + (v == null ? "(development build)" : v)};
        }
    }
}
