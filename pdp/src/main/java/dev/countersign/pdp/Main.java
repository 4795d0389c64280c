package dev.countersign.pdp;

import dev.countersign.pdp.cli.CountersignCommand;

/** The {@code countersign} command: serve, test, eval, audit verify. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Hazelcast reads these before its configuration is applied; its own shutdown hook would race ours.
        System.setProperty("hazelcast.logging.type", "slf4j");
        System.setProperty("hazelcast.phone.home.enabled", "false");
        System.setProperty("hazelcast.shutdownhook.enabled", "false");
        int status = CountersignCommand.commandLine().execute(args);
        if (status != 0 || !CountersignCommand.keepsRunning(args)) {
            System.exit(status);
        }
    }
}
