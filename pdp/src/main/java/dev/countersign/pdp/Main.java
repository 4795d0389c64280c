package dev.countersign.pdp;

import dev.countersign.pdp.cli.CountersignCommand;

/** The {@code countersign} command: serve, test, eval, audit verify. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int status = CountersignCommand.commandLine().execute(args);
        if (status != 0 || !CountersignCommand.keepsRunning(args)) {
            System.exit(status);
        }
    }
}
