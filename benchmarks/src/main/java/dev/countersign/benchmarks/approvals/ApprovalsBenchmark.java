package dev.countersign.benchmarks.approvals;

import dev.countersign.connectors.slack.FakeSlack;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code benchmarks/approvals}: the approvals and memory targets, each run bounded and checked:
 * three member processes on loopback for the hold and the vote waking a waiter
 * ({@link ApprovalLatency}), three more with Slack configured against a fake Slack for the card
 * ({@link SlackCards}), then a node alone with 1 GiB of heap holding many pending approvals
 * ({@link MemoryFootprint}: {@code --pending} holds or as many as {@code --hold-seconds} allow, the
 * heap at {@code --pending} projected from the bytes each took). Prints a table; {@code --json FILE}
 * writes the results.
 *
 * <p>Arguments: {@code --jar countersign.jar --bundle DIR --work DIR [--json FILE] [--commit C]
 * [--warmup N] [--holds N] [--votes N] [--cards N] [--pending N] [--hold-seconds S] [--load-seconds S]
 * [--only latency|memory] [--jfr]}. {@code --jfr} records each member's run with the JDK's flight
 * recorder (profile settings) into its home, {@code member.jfr}.
 */
public final class ApprovalsBenchmark {
    private ApprovalsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = null;
        Path bundle = null;
        Path work = null;
        Path json = null;
        String commit = "unknown";
        String only = "all";
        int warmup = 150;
        int holds = 600;
        int votes = 200;
        int cards = 300;
        int pending = 100_000;
        int holdSeconds = 60;
        int loadSeconds = 10;
        boolean jfr = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]).toAbsolutePath();
                case "--bundle" -> bundle = Path.of(args[++i]).toAbsolutePath();
                case "--work" -> work = Path.of(args[++i]).toAbsolutePath();
                case "--json" -> json = Path.of(args[++i]);
                case "--commit" -> commit = args[++i];
                case "--only" -> only = args[++i];
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--holds" -> holds = Integer.parseInt(args[++i]);
                case "--votes" -> votes = Integer.parseInt(args[++i]);
                case "--cards" -> cards = Integer.parseInt(args[++i]);
                case "--pending" -> pending = Integer.parseInt(args[++i]);
                case "--load-seconds" -> loadSeconds = Integer.parseInt(args[++i]);
                case "--hold-seconds" -> holdSeconds = Integer.parseInt(args[++i]);
                case "--jfr" -> jfr = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (jar == null || bundle == null || work == null) {
            throw new IllegalArgumentException("--jar, --bundle and --work are required");
        }
        Results results = new Results();
        results.run.put("commit", commit);
        results.run.put("cpus", Runtime.getRuntime().availableProcessors());
        results.run.put("load_average_start", loadAverage());
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        if (jfr) {
            jvm.add("-XX:StartFlightRecording=filename={home}/member.jfr,settings=profile,dumponexit=true");
        }
        long started = System.nanoTime();
        if (!only.equals("memory")) {
            int w = warmup;
            int h = holds;
            int v = votes;
            ApprovalLatency.withCluster(work.resolve("cluster"), jar, bundle, ApprovalLatency.AGENTS, "", jvm, nodes -> ApprovalLatency.run(nodes, results, w, h, v));
            Vertx vertx = Vertx.vertx();
            try {
                FakeSlack slack = SlackCards.start(vertx);
                int c = cards;
                ApprovalLatency.withCluster(work.resolve("slack"), jar, bundle, ApprovalLatency.AGENTS, SlackCards.config(slack), jvm,
                        nodes -> SlackCards.run(nodes, slack, results, Math.max(50, w / 2), c));
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
        if (!only.equals("latency")) {
            MemoryFootprint.run(work.resolve("memory"), jar, bundle, results, pending, holdSeconds, loadSeconds, 32);
        }
        results.run.put("load_average_end", loadAverage());
        results.run.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
        System.out.println("load average at the start " + results.run.get("load_average_start") + ", at the end " + results.run.get("load_average_end"));
        results.print();
        if (json != null) {
            results.write(json);
            System.out.println("written: " + json);
        }
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (Exception e) {
            return "unknown";
        }
    }
}
