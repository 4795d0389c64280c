package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.server.TestNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from the distribution's packages, for tests: a cluster made with
 * {@code initdb} in a temporary directory (password authentication, user {@code countersign}),
 * listening on a free port of 127.0.0.1 only, its socket in that directory. PostgreSQL refuses to
 * run as root, so when the tests run as root the server runs as the unprivileged {@code nobody}
 * (through {@code setpriv}) and the directory is handed to it. A missing installation fails with
 * what to install; it never skips.
 */
final class TestPostgres implements AutoCloseable {
    static final String USER = "countersign";
    final String password = "pg-" + UUID.randomUUID();
    final int port;
    private final Path dir;
    private final Path bin;
    private final boolean asNobody;

    private TestPostgres(Path dir, Path bin, int port, boolean asNobody) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.asNobody = asNobody;
    }

    /**
     * Makes and starts a server in a new temporary directory of its own (not under a test's private
     * directory, which the unprivileged server user could not enter); {@link #close} stops it and removes it.
     */
    static TestPostgres start() throws Exception {
        Path bin = binaries();
        Path dir = Files.createTempDirectory("countersign-pg");
        boolean root = "root".equals(System.getProperty("user.name"));
        TestPostgres pg = new TestPostgres(dir, bin, TestNode.freePort(), root);
        Files.writeString(dir.resolve("pwfile"), pg.password + "\n");
        if (root) {
            pg.run(List.of("chown", "-R", "nobody:nogroup", dir.toString()), false);
            pg.run(List.of("chmod", "755", dir.toString()), false);
        }
        pg.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER, "--pwfile="
                + dir.resolve("pwfile"), "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"), true);
        pg.startServer();
        return pg;
    }

    /** The {@code bin} directory of the newest PostgreSQL installed. */
    static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl"))).forEach(found::add);
            }
        }
        found.sort((a, b) -> Integer.compare(version(b), version(a)));
        assertTrue(!found.isEmpty(), "these tests need a PostgreSQL server: install the distribution's postgresql package"
                + " (apt-get install -y postgresql), which .ci/run does when it is missing");
        return found.get(0);
    }

    private static int version(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates an empty database; answers its JDBC URL. */
    String createDatabase() throws Exception {
        String name = "cs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return url(name);
    }

    /** Starts the server (again), waiting until it accepts connections. */
    void startServer() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=100", "start"), true);
    }

    /** Stops the server at once (what a crash of the database looks like to its clients), waiting until it is gone. */
    void stopServer() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "-t", "60", "stop"),
                true);
    }

    private void run(List<String> command, boolean asServerUser) throws Exception {
        List<String> full = new ArrayList<>();
        if (asServerUser && asNobody) {
            full.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C");
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "timed out: " + command);
        assertTrue(p.exitValue() == 0, String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + out + log());
    }

    private String log() {
        try {
            Path log = dir.resolve("server.log");
            return Files.exists(log) ? "\nserver log:\n" + Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws Exception {
        if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
            stopServer();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
