package dev.countersign.benchmarks.soak;

import static dev.countersign.benchmarks.soak.SoakNodes.HTTP;
import static dev.countersign.benchmarks.soak.SoakNodes.TOKENS;

import dev.countersign.benchmarks.soak.SoakNodes.Figures;
import dev.countersign.benchmarks.soak.SoakNodes.Node;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The soak: a cluster of node processes on loopback under bounded mixed load ({@link SoakLoad}) for a
 * number of minutes, with a hot reload of a changed bundle on every node each minute and one member
 * restarted (drained, stopped with SIGTERM, started again on its home) half-way. Prints each node's heap
 * used, live threads and open file descriptors from its /metrics (after a full collection) at the start
 * and the end and every minute, the requests answered and the errors by kind, the reloads, and the
 * verdict of {@code countersign audit verify} on each node's audit log once the nodes are stopped.
 * Exits 0 when there was no error and every audit chain is intact.
 *
 * <pre>java -cp benchmarks.jar dev.countersign.benchmarks.soak.Soak --jar countersign.jar --bundle policies --work DIR
 *     [--minutes 10] [--nodes 3] [--rate 20] [--threads 2] [--evaluation-budget PT0.05S]</pre>
 *
 * {@code --evaluation-budget} sets the nodes' {@code engine.max_evaluation_time} (default: the product's).
 */
public final class Soak {
    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        double minutes = Double.parseDouble(o.getOrDefault("minutes", "10"));
        int size = Integer.parseInt(o.getOrDefault("nodes", "3"));
        double rate = Double.parseDouble(o.getOrDefault("rate", "20"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "2"));
        Path work = Path.of(o.get("work"));
        // Decision records are bounded low so that the bound is reached early and the heap can be seen flat after it.
        String config = "decisions: {max_records: 5000}\n"
                + (o.containsKey("evaluation-budget") ? "engine: {max_evaluation_time: " + o.get("evaluation-budget") + "}\n" : "");
        SoakNodes cluster = new SoakNodes(work, size, Path.of(o.get("jar")).toAbsolutePath(), Path.of(o.get("bundle")).toAbsolutePath(),
                config, List.of("-Xms256m", "-Xmx512m"));
        int exit;
        try {
            exit = run(cluster, minutes, rate, threads);
        } finally {
            cluster.close();
        }
        System.exit(exit);
    }

    private static int run(SoakNodes cluster, double minutes, double rate, int threads) throws Exception {
        long began = System.nanoTime();
        cluster.startAll();
        List<Node> nodes = cluster.nodes;
        Node restarted = nodes.get(nodes.size() - 1);
        say("%d nodes ready in %d s; load: %.0f steps/s, %d threads per node, %.1f minutes", nodes.size(), seconds(began), rate, threads,
                minutes);
        SoakLoad load = new SoakLoad(nodes, threads, rate);
        load.start();
        Thread.sleep(20_000);   // warm-up: classes loaded, caches and pools filled
        Map<Node, Figures> start = new LinkedHashMap<>();
        for (Node n : nodes) {
            start.put(n, SoakNodes.figures(n, true));
            say("start %s: %s", n, start.get(n).shown());
        }
        long loadStarted = System.nanoTime();
        long end = loadStarted + (long) (minutes * 60e9);
        long restartAt = loadStarted + (end - loadStarted) / 2;
        long nextReload = loadStarted + 60_000_000_000L;
        boolean restartDone = false;
        int generation = 0;
        int reloads = 0;
        List<String> reloadFailures = new ArrayList<>();
        Figures restartedStart = null;
        while (System.nanoTime() < end) {
            Thread.sleep(1_000);
            long now = System.nanoTime();
            if (!restartDone && now >= restartAt) {
                restartDone = true;
                long drainStarted = System.nanoTime();
                load.drain(restarted);
                boolean clean = SoakNodes.stop(restarted);
                cluster.start(restarted);
                for (Node n : nodes) {
                    SoakNodes.awaitReady(n, nodes.size());
                }
                load.resume(restarted);
                say("restarted %s (%s) in %d s", restarted, clean ? "stopped cleanly" : "had to be killed", seconds(drainStarted));
                Thread.sleep(20_000);
                restartedStart = SoakNodes.figures(restarted, true);
                say("%s after its restart: %s", restarted, restartedStart.shown());
            }
            if (now >= nextReload && System.nanoTime() < end) {
                nextReload += 60_000_000_000L;
                generation++;
                for (Node n : nodes) {
                    SoakNodes.changeBundle(n, generation);
                    String outcome = reload(n);
                    reloads++;
                    if (!outcome.startsWith("200") || !outcome.contains("activated")) {
                        reloadFailures.add(n + ": " + outcome);
                    }
                }
                StringBuilder line = new StringBuilder();
                for (Node n : nodes) {
                    line.append(String.format("  %s %s", n, SoakNodes.figures(n, false).shown()));
                }
                say("minute %d: %d answered, %d errors; reload %d;%s", generation, load.answeredCount(), load.errorCount(), generation, line);
            }
        }
        load.stop();
        Map<Node, Figures> finish = new LinkedHashMap<>();
        for (Node n : nodes) {
            finish.put(n, SoakNodes.figures(n, true));
        }
        Map<Node, String> audit = new LinkedHashMap<>();
        for (Node n : nodes) {
            SoakNodes.stop(n);
        }
        for (Node n : nodes) {
            audit.put(n, cluster.verifyAudit(n));
        }

        System.out.println();
        System.out.printf("Soak: %d nodes on loopback, %.1f minutes of load after a 20 s warm-up, %.0f steps/s, %d client threads per node,"
                + " %s%n", nodes.size(), minutes, rate, threads, Instant.now());
        System.out.println("answered as expected, by kind:");
        new TreeMap<>(load.answered).forEach((k, v) -> System.out.printf("  %-28s %,d%n", k, v.sum()));
        System.out.printf("errors: %d%n", load.errorCount());
        new TreeMap<>(load.errors).forEach((k, v) -> System.out.printf("  %-40s %,d%n", k, v.sum()));
        load.errorSamples.forEach(s -> System.out.println("    " + s));
        System.out.printf("hot reloads: %d (a changed bundle on every node each minute), refused: %d %s%n", reloads, reloadFailures.size(),
                reloadFailures);
        System.out.printf("member restart: %s, drained, SIGTERM, started again on its home, half-way%n", restarted);
        System.out.println("per node, after a full collection (heap used, live threads, open file descriptors):");
        for (Node n : nodes) {
            Figures s = n == restarted && restartedStart != null ? restartedStart : start.get(n);
            Figures f = finish.get(n);
            System.out.printf("  %s start%s: %s%n  %s end:   %s   (heap %+.1f MB, threads %+.0f, fds %+.0f)%n", n,
                    n == restarted ? " (after its restart)" : "", s.shown(), n, f.shown(), (f.heapBytes() - s.heapBytes()) / 1e6,
                    f.threads() - s.threads(), f.openFiles() - s.openFiles());
        }
        boolean intact = true;
        for (Map.Entry<Node, String> e : audit.entrySet()) {
            System.out.printf("audit verify %s: %s%n", e.getKey(), e.getValue());
            intact &= e.getValue().startsWith("exit 0");
        }
        return load.errorCount() == 0 && intact && reloadFailures.isEmpty() ? 0 : 1;
    }

    private static String reload(Node n) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(n.uri("/v1/policies/reload")).timeout(Duration.ofMinutes(2))
                    .header("Authorization", "Bearer " + TOKENS.get("admin")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            String outcome = r.statusCode() == 200 ? new JsonObject(r.body()).getString("outcome") : r.body();
            return r.statusCode() + " " + outcome;
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static long seconds(long since) {
        return (System.nanoTime() - since) / 1_000_000_000L;
    }

    private static void say(String format, Object... args) {
        System.out.printf("[%s] %s%n", Instant.now(), String.format(format, args));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected an option, not " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("jar", "bundle", "work")) {
            if (!o.containsKey(required) || !Files.exists(Path.of(o.get(required))) && !required.equals("work")) {
                throw new IllegalArgumentException("--" + required + " is required (and must exist)");
            }
        }
        return o;
    }
}
