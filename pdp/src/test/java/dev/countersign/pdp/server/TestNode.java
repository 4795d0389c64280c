package dev.countersign.pdp.server;

import dev.countersign.cluster.ClusterSettings;
import dev.countersign.connectors.LoopbackPorts;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.config.ConfigLoader;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real node for tests: a copy of a bundle in a temporary directory, its own data directory, an
 * ephemeral port on 127.0.0.1, a tight blocked-event-loop warning, and an HTTP client to call it.
 */
public final class TestNode implements AutoCloseable {
    /** Tokens of the clients {@link #withClients} configures, by name. */
    public static final Map<String, String> TOKENS = Map.of(
            "gateway", "gateway-token-0123456789",
            "admin", "admin-token-0123456789",
            "carol", "carol-token-0123456789",
            "ops", "ops-token-0123456789");

    public final CountersignServer server;
    public final WebClient client;
    public final Path bundle;
    public final Path data;
    private final Vertx clientVertx;

    private TestNode(CountersignServer server, Path bundle, Path data) {
        this.server = server;
        this.bundle = bundle;
        this.data = data;
        this.clientVertx = Vertx.vertx();
        this.client = WebClient.create(clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port())
                .setKeepAlive(true));
    }

    /**
     * A configuration for a node serving a copy of {@code sourceBundle} under {@code dir}: its own
     * single-member cluster (a name of its own, a free port), two event loops, a 64 KiB body limit.
     */
    public static ServerConfig config(Path dir, Path sourceBundle, List<ClientConfig> clients, List<String> mask) throws Exception {
        Path bundle = dir.resolve("bundle");
        copy(sourceBundle, bundle);
        int clusterPort = freePort();
        ServerConfig defaults = ConfigLoader.load(null, Map.of(), new ConfigLoader.Overrides("127.0.0.1", 0, bundle, dir.resolve("data")));
        return new ServerConfig(defaults.host(), 0, 2, 64 * 1024, defaults.maxDepth(), bundle, defaults.dataDir(), clients, mask,
                defaults.auditMaxFileBytes(), true, Duration.ofMillis(200), defaults.forwardAuth(), defaults.decisionRetention(),
                defaults.decisionMaxRecords(), "test-node",
                new ClusterSettings("test-" + UUID.randomUUID(), "127.0.0.1", clusterPort, List.of(), null),
                defaults.reviewers(), new ServerConfig.Approvals(null, Duration.ofSeconds(30), Duration.ofMillis(200)),
                defaults.decisionCacheSize(), defaults.maxEvaluationTime(), ChatSettings.NONE);
    }

    /** {@code config} with another body limit. */
    public static ServerConfig withMaxBodyBytes(ServerConfig c, long maxBodyBytes) {
        return new ServerConfig(c.host(), c.port(), c.eventLoops(), maxBodyBytes, c.maxDepth(), c.bundle(), c.dataDir(), c.clients(),
                c.auditMask(), c.auditMaxFileBytes(), c.watch(), c.reloadDebounce(), c.forwardAuth(), c.decisionRetention(),
                c.decisionMaxRecords(), c.node(), c.cluster(), c.reviewers(), c.approvals(), c.decisionCacheSize(), c.maxEvaluationTime(),
                c.chat(), c.audit(), c.decisionCacheBytes(), c.authzen(), c.extAuthz(), c.agents(), c.attestation(), c.store());
    }

    /** {@code config} with Envoy's ext_authz gRPC server on a free port of 127.0.0.1, which the node starts and stops. */
    public static ServerConfig withExtAuthz(ServerConfig c) {
        return c.withExtAuthz(new ServerConfig.ExtAuthz("127.0.0.1", 0));
    }

    /** A free TCP port on 127.0.0.1, for members that must know each other's ports up front ({@link LoopbackPorts}). */
    public static int freePort() throws IOException {
        return LoopbackPorts.freePort();
    }

    public static List<ClientConfig> withClients() {
        List<ClientConfig> clients = new ArrayList<>();
        clients.add(client("gateway", EnumSet.of(Scope.DECIDE), null));
        clients.add(client("admin", EnumSet.of(Scope.ADMIN), null));
        clients.add(client("carol", EnumSet.of(Scope.REVIEW), "carol@example.com"));
        clients.add(client("ops", EnumSet.allOf(Scope.class), null));
        return clients;
    }

    static ClientConfig client(String name, Set<Scope> scopes, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), scopes, reviewer);
    }

    public static TestNode start(ServerConfig config) throws Exception {
        return start(config, java.time.Clock.systemUTC());
    }

    /** A node whose member times approvals by {@code clock}. */
    public static TestNode start(ServerConfig config, java.time.Clock clock) throws Exception {
        VertxOptions options = new VertxOptions().setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
        CountersignServer server = CountersignServer.start(config, options, clock).toCompletionStage().toCompletableFuture()
                .get(2, TimeUnit.MINUTES);
        return new TestNode(server, config.bundle(), config.dataDir());
    }

    public HttpResponse<Buffer> post(String path, String body, String token) throws Exception {
        var request = client.post(path).putHeader("Content-Type", "application/json");
        if (token != null) {
            request.putHeader("Authorization", "Bearer " + token);
        }
        return request.sendBuffer(Buffer.buffer(body)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    public HttpResponse<Buffer> get(String path, String token) throws Exception {
        var request = client.get(path);
        if (token != null) {
            request.putHeader("Authorization", "Bearer " + token);
        }
        return request.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    public static JsonObject json(HttpResponse<Buffer> response) {
        return response.bodyAsJsonObject();
    }

    @Override
    public void close() throws Exception {
        client.close();
        clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Copies the tree at {@code from} to {@code to}. */
    public static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
