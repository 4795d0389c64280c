package dev.countersign.pdp.cli;

import dev.countersign.pdp.config.ConfigException;
import dev.countersign.pdp.config.ConfigLoader;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.CountersignServer;
import dev.countersign.rules.InvalidPolicyException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code countersign serve}: runs a node until it is stopped (SIGINT/SIGTERM stop it cleanly). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the decision server. Without a configuration it serves the starter policies on 127.0.0.1:8181, "
                + "keeping its state under ./data. Flags override the configuration file and the environment.")
final class ServeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The configuration file (countersign.yaml).")
    Path config;

    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "The policy bundle directory (default: policies).")
    Path bundle;

    @Option(names = "--host", paramLabel = "H", description = "The address to listen on (default: 127.0.0.1).")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "N", description = "The port to listen on (default: 8181; 0 picks a free one).")
    Integer port;

    @Option(names = "--data", paramLabel = "DIR", description = "Where the node keeps its state and audit log (default: data).")
    Path data;

    @Option(names = "--cluster-port", paramLabel = "N",
            description = "The port of this node's cluster member (default: 5701); each node on one machine needs its own.")
    Integer clusterPort;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ServerConfig cfg;
        try {
            cfg = ConfigLoader.load(config, System.getenv(), new ConfigLoader.Overrides(host, port, bundle, data, clusterPort));
        } catch (ConfigException e) {
            err.println("countersign serve: " + e.getMessage());
            return CountersignCommand.BAD_INPUT;
        }
        CompletableFuture<CountersignServer> started = CountersignServer.start(cfg).toCompletionStage().toCompletableFuture();
        CountersignServer server;
        try {
            server = started.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidPolicyException invalid) {
                BundleOutput.printErrors(cfg.bundle(), invalid.errors(), err);
                return CountersignCommand.INVALID_BUNDLE;
            }
            err.println("countersign serve: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
            return CountersignCommand.FAILED;
        } catch (TimeoutException e) {
            err.println("countersign serve: the node did not start within 10 minutes");
            return CountersignCommand.FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("countersign: stopping the node failed: " + e);
            }
        }, "countersign-shutdown"));
        return CountersignCommand.OK;
    }
}
