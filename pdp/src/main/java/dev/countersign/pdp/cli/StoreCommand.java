package dev.countersign.pdp.cli;

import dev.countersign.cluster.store.ApprovalDatabase;
import dev.countersign.cluster.store.StoreLocation;
import dev.countersign.cluster.store.StoreUnavailableException;
import dev.countersign.pdp.config.ConfigException;
import dev.countersign.pdp.config.ConfigLoader;
import dev.countersign.pdp.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code countersign store migrate|check}: the durable approval store a node with the same
 * configuration file as {@code serve} uses. {@code migrate} brings its schema to this version's
 * (a node does so itself when it starts; this lets an operator do it first, with other rights);
 * {@code check} connects and reports the schema version and row counts. Exit 1 when the store
 * cannot be reached or used, 2 for a bad configuration.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "Operate the durable approval store that serve uses (the same configuration file).",
        subcommands = {StoreCommand.Migrate.class, StoreCommand.Check.class})
final class StoreCommand {

    /** Options both verbs take, read as serve reads them. */
    static class Target {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The configuration file (countersign.yaml).")
        Path config;

        @Option(names = "--data", paramLabel = "DIR", description = "The node's data directory, for the embedded store (default: data).")
        Path data;

        @Spec
        CommandSpec spec;

        /** The store's location, or null (after saying why on stderr) when there is none or the configuration is bad. */
        StoreLocation location(String verb, int[] status) {
            PrintWriter err = spec.commandLine().getErr();
            ServerConfig cfg;
            try {
                cfg = ConfigLoader.load(config, System.getenv(), new ConfigLoader.Overrides(null, null, null, data, null));
            } catch (ConfigException e) {
                err.println("countersign store " + verb + ": " + e.getMessage());
                status[0] = CountersignCommand.BAD_INPUT;
                return null;
            }
            StoreLocation location = cfg.store().resolve(cfg.dataDir(), cfg.cluster());
            if (location == null) {
                err.println("countersign store " + verb + ": the configuration keeps approvals in memory only (store: {kind: memory});"
                        + " there is no store");
                status[0] = CountersignCommand.BAD_INPUT;
            }
            return location;
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Create or migrate the store's schema to this version's, and say what was applied.")
    static final class Migrate extends Target implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            int[] status = {CountersignCommand.OK};
            StoreLocation location = location("migrate", status);
            if (location == null) {
                return status[0];
            }
            PrintWriter out = spec.commandLine().getOut();
            try (ApprovalDatabase db = ApprovalDatabase.open(location, Clock.systemUTC())) {
                List<Integer> applied = db.migrate();
                ApprovalDatabase.Check check = db.check();
                out.println(applied.isEmpty() ? location.describe() + ": schema already at version " + check.schemaVersion()
                        : location.describe() + ": applied migration(s) " + applied + "; schema at version " + check.schemaVersion());
                return CountersignCommand.OK;
            } catch (StoreUnavailableException e) {
                spec.commandLine().getErr().println("countersign store migrate: " + e.getMessage());
                return CountersignCommand.FAILED;
            }
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Connect to the store and report its schema version and row counts; exit 1 when it cannot be used.")
    static final class Check extends Target implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            int[] status = {CountersignCommand.OK};
            StoreLocation location = location("check", status);
            if (location == null) {
                return status[0];
            }
            PrintWriter out = spec.commandLine().getOut();
            try (ApprovalDatabase db = ApprovalDatabase.open(location, Clock.systemUTC())) {
                ApprovalDatabase.Check c = db.check();
                out.println("store: " + c.location());
                out.println("connected: yes");
                out.println("schema version: " + c.schemaVersion() + " (this Countersign: " + c.latestVersion() + ")");
                out.println("approvals: " + c.approvals() + " (pending: " + c.pending() + ")");
                out.println("asks: " + c.asks());
                if (c.schemaVersion() != c.latestVersion()) {
                    spec.commandLine().getErr().println("countersign store check: the schema is at version " + c.schemaVersion()
                            + ", not " + c.latestVersion() + ": run countersign store migrate (serve migrates it when it starts)");
                    return CountersignCommand.FAILED;
                }
                return CountersignCommand.OK;
            } catch (StoreUnavailableException e) {
                spec.commandLine().getErr().println("countersign store check: " + e.getMessage());
                return CountersignCommand.FAILED;
            }
        }
    }
}
