package dev.countersign.benchmarks.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The latency a durable store adds to a hold and to a vote, same run: two single-node Countersign
 * processes, one keeping approvals in memory only ({@code store: {kind: memory}}), one writing them
 * through to a local PostgreSQL server this harness starts (initdb in a temporary directory, as the
 * unprivileged {@code nobody} when run as root); requests are sent one at a time, alternating between
 * the nodes so both see the same machine noise. A hold is {@code POST /v1/decisions} answered
 * needs_approval (one write of the approval, one of its ask); a vote is a reviewer's approve that
 * decides it (one write). Prints median, p90, p99 and mean per node and operation, and the added median.
 *
 * <p>Arguments: {@code --jar countersign.jar --bundle DIR --work DIR [--iterations N] [--warmup N]}.
 */
public final class StoreLatency {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String GATEWAY = "gateway-token-0123456789";
    private static final String CAROL = "carol-token-0123456789";
    /** The flags Hazelcast asks for on Java 17 (the parent pom's hazelcast.jvm.flags). */
    private static final List<String> HAZELCAST_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

    public static void main(String[] args) throws Exception {
        Path jar = null;
        Path bundle = null;
        Path work = null;
        int iterations = 1000;
        int warmup = 300;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[i + 1]);
                case "--bundle" -> bundle = Path.of(args[i + 1]);
                case "--work" -> work = Path.of(args[i + 1]);
                case "--iterations" -> iterations = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Postgres pg = Postgres.start(work.resolve("pg"));
        List<Process> nodes = new ArrayList<>();
        try {
            int memoryPort = freePort();
            int pgPort = freePort();
            nodes.add(node(jar, bundle, work.resolve("memory"), memoryPort, "store: {kind: memory}\n", pg.password));
            nodes.add(node(jar, bundle, work.resolve("postgres"), pgPort, "store: {postgres: {url: \"jdbc:postgresql://127.0.0.1:" + pg.port
                    + "/postgres\", user: countersign, password: \"${PG_PASSWORD}\", pool: 8}}\n", pg.password));
            awaitReady(memoryPort);
            awaitReady(pgPort);
            long[][] memory = new long[2][iterations];
            long[][] durable = new long[2][iterations];
            for (int i = -warmup; i < iterations; i++) {
                long[] m = holdAndVote(memoryPort);
                long[] d = holdAndVote(pgPort);
                if (i >= 0) {
                    memory[0][i] = m[0];
                    memory[1][i] = m[1];
                    durable[0][i] = d[0];
                    durable[1][i] = d[1];
                }
            }
            System.out.printf("%d holds and %d votes per node, one request at a time, after %d of each as warm-up%n", iterations, iterations,
                    warmup);
            System.out.printf("%-28s %9s %9s %9s %9s%n", "", "p50 ms", "p90 ms", "p99 ms", "mean ms");
            row("hold, memory only", memory[0]);
            row("hold, PostgreSQL", durable[0]);
            row("vote, memory only", memory[1]);
            row("vote, PostgreSQL", durable[1]);
            System.out.printf("added by write-through (p50): hold %.2f ms, vote %.2f ms%n",
                    (percentile(durable[0], 50) - percentile(memory[0], 50)) / 1e6, (percentile(durable[1], 50) - percentile(memory[1], 50)) / 1e6);
            System.out.printf("added by write-through (mean): hold %.2f ms, vote %.2f ms%n",
                    (mean(durable[0]) - mean(memory[0])) / 1e6, (mean(durable[1]) - mean(memory[1])) / 1e6);
        } finally {
            for (Process p : nodes) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            pg.stop();
        }
    }

    private static final Pattern ID = Pattern.compile("\"approval\"\\s*:\\s*\\{[^}]*?\"id\"\\s*:\\s*\"([^\"]+)\"");

    /** One hold and the vote that decides it, each timed (nanoseconds). */
    private static long[] holdAndVote(int port) throws Exception {
        String body = "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"intent\": \"" + UUID.randomUUID() + "\"}, \"resource\": {\"environment\":"
                + " \"production\"}}";
        long t0 = System.nanoTime();
        HttpResponse<String> hold = HTTP.send(post(port, "/v1/decisions", body, GATEWAY), HttpResponse.BodyHandlers.ofString());
        long t1 = System.nanoTime();
        Matcher m = ID.matcher(hold.body());
        if (hold.statusCode() != 200 || !hold.body().contains("needs_approval") || !m.find()) {
            throw new IllegalStateException("not a hold: " + hold.statusCode() + " " + hold.body());
        }
        HttpResponse<String> vote = HTTP.send(post(port, "/v1/approvals/" + m.group(1) + "/votes", "{\"vote\": \"approve\"}", CAROL),
                HttpResponse.BodyHandlers.ofString());
        long t2 = System.nanoTime();
        if (vote.statusCode() != 200 || !vote.body().contains("\"approved\"")) {
            throw new IllegalStateException("the vote did not decide: " + vote.statusCode() + " " + vote.body());
        }
        return new long[] {t1 - t0, t2 - t1};
    }

    private static HttpRequest post(int port, String path, String body, String token) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static void row(String name, long[] nanos) {
        System.out.printf("%-28s %9.2f %9.2f %9.2f %9.2f%n", name, percentile(nanos, 50) / 1e6, percentile(nanos, 90) / 1e6,
                percentile(nanos, 99) / 1e6, mean(nanos) / 1e6);
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    private static Process node(Path jar, Path bundle, Path home, int port, String store, String pgPassword) throws Exception {
        Files.createDirectories(home);
        String config = "server: {host: 127.0.0.1, port: " + port + ", event_loops: 1, node: bench-" + port + "}\n"
                + "bundle: \"" + bundle.toAbsolutePath() + "\"\n"
                + "data_dir: \"" + home.resolve("data") + "\"\n"
                + "reload: {watch: false}\n"
                + "clients:\n"
                + "  - {name: gateway, token_sha256: \"" + sha256(GATEWAY) + "\", scopes: [decide]}\n"
                + "  - {name: carol, token_sha256: \"" + sha256(CAROL) + "\", scopes: [review], reviewer: carol@example.com}\n"
                + "cluster: {port: " + freePort() + "}\n"
                + "reviewers:\n"
                + "  data-governance: [{id: carol@example.com}]\n"
                + "approvals: {max_pending_per_client: 1000000}\n"
                + store;
        Path file = home.resolve("countersign.yaml");
        Files.writeString(file, config);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(HAZELCAST_FLAGS);
        command.addAll(List.of("-Xmx512m", "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false", "-jar",
                jar.toAbsolutePath().toString(), "serve", "--config", file.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("node.log").toFile());
        builder.environment().put("PG_PASSWORD", pgPassword);
        return builder.start();
    }

    private static void awaitReady(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the node on port " + port + " did not become ready");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** A PostgreSQL server of the distribution's packages in {@code dir}, on a free port of 127.0.0.1, with fsync on (the default). */
    private record Postgres(Path dir, Path bin, int port, String password, boolean asNobody) {
        static Postgres start(Path dir) throws Exception {
            Path root = Path.of("/usr/lib/postgresql");
            Path bin = null;
            if (Files.isDirectory(root)) {
                try (var versions = Files.list(root)) {
                    bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl"))).sorted().reduce((a, b) -> b)
                            .orElse(null);
                }
            }
            if (bin == null) {
                throw new IllegalStateException("this benchmark needs a PostgreSQL server: install the postgresql package");
            }
            Files.createDirectories(dir);
            boolean root0 = "root".equals(System.getProperty("user.name"));
            Postgres pg = new Postgres(dir, bin, freePort(), "bench-" + UUID.randomUUID(), root0);
            Files.writeString(dir.resolve("pwfile"), pg.password + "\n");
            if (root0) {
                pg.run(List.of("chown", "-R", "nobody:nogroup", dir.toString()), false);
                pg.run(List.of("chmod", "755", dir.toString()), false);
            }
            pg.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "countersign", "--pwfile="
                    + dir.resolve("pwfile"), "--auth=scram-sha-256", "-E", "UTF8"), true);
            pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-o", "-p " + pg.port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start"), true);
            return pg;
        }

        void stop() throws Exception {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), true);
        }

        private void run(List<String> command, boolean asServerUser) throws Exception {
            List<String> full = new ArrayList<>();
            if (asServerUser && asNobody) {
                full.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
            }
            full.addAll(command);
            Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
            }
        }
    }
}
