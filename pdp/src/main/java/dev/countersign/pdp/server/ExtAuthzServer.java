package dev.countersign.pdp.server;

import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.ExtAuthzService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.DeploymentOptions;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The ext_authz gRPC server of a node: {@link ExtAuthzService} and the gRPC health service
 * ({@code grpc.health.v1.Health}: SERVING for "" and {@code envoy.service.auth.v3.Authorization}
 * while the server runs, NOT_SERVING once it stops) on {@code ext_authz.host:port}, in plain text or
 * TLS. gRPC's own threads read the calls and hand each check to a Vert.x event-loop context, one per
 * event loop of the node, so no call blocks an event loop and no event loop waits on gRPC.
 */
final class ExtAuthzServer {
    private final Server server;
    private final HealthStatusManager health;

    private ExtAuthzServer(Server server, HealthStatusManager health) {
        this.server = server;
        this.health = health;
    }

    /** Starts on {@code config}'s address, deciding with the service {@code service} makes of {@code eventLoops} contexts. */
    static Future<ExtAuthzServer> start(Vertx vertx, ServerConfig.ExtAuthz config, int eventLoops,
                                        Function<List<Context>, ExtAuthzService> service) {
        List<Context> contexts = new CopyOnWriteArrayList<>();
        return vertx.deployVerticle(() -> new VerticleBase() {
                    @Override
                    public Future<?> start() {
                        contexts.add(context);
                        return Future.succeededFuture();
                    }
                }, new DeploymentOptions().setInstances(eventLoops))
                .compose(deployed -> vertx.executeBlocking(() -> {
                    ExtAuthzService checks = service.apply(contexts);
                    checks.warm();
                    HealthStatusManager health = new HealthStatusManager();
                    ServerCredentials credentials = config.tls()
                            ? TlsServerCredentials.create(config.certificate().toFile(), config.key().toFile())
                            : InsecureServerCredentials.create();
                    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()), credentials)
                            .directExecutor()   // each call only maps its request and hands it to an event loop
                            .addService(ServerInterceptors.intercept(checks, checks.authentication()))
                            .addService(health.getHealthService())
                            .build();
                    try {
                        server.start();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("cannot listen for ext_authz on " + config.host() + ":" + config.port() + ": "
                                + e.getMessage() + " (is another node running there?)", e);
                    }
                    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
                    health.setStatus("envoy.service.auth.v3.Authorization", HealthCheckResponse.ServingStatus.SERVING);
                    return new ExtAuthzServer(server, health);
                }, false));
    }

    int port() {
        return server.getPort();
    }

    /**
     * Stops taking calls, gives those under way a few seconds, then cuts the rest; completes on a
     * thread of its own, never an event loop, so the node's Vert.x can be closed from there.
     */
    CompletableFuture<Void> stop() {
        health.enterTerminalState();
        server.shutdown();
        return CompletableFuture.runAsync(() -> {
            try {
                if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.shutdownNow();
            }
        });
    }
}
