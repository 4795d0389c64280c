package dev.countersign.pdp.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.function.Function;

/** One HTTP server on one event loop; a node deploys one per event loop, all on the same port. */
final class HttpVerticle extends VerticleBase {
    private final String host;
    private final int port;
    private final Function<io.vertx.core.Vertx, Router> routes;
    private HttpServer server;

    HttpVerticle(String host, int port, Function<io.vertx.core.Vertx, Router> routes) {
        this.host = host;
        this.port = port;
        this.routes = routes;
    }

    @Override
    public Future<?> start() {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                // 100 Continue is sent once the caller is admitted (ApiRouter's admission), never before.
                .setHandle100ContinueAutomatically(false)
                .setCompressionSupported(false)
                // No route upgrades to a WebSocket: without these, every connection's pipeline carries WebSocket
                // extension handlers that each request and answer pass through.
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                // HTTP/1 only: the connection (and UnreadableRequests' checks on it) is then set up before its first byte is read.
                .setHttp2ClearTextEnabled(false);
        return vertx.createHttpServer(options).connectionHandler(dev.countersign.pdp.http.UnreadableRequests::install)
                .requestHandler(routes.apply(vertx))
                .invalidRequestHandler(dev.countersign.pdp.http.InvalidRequests::answer).listen().onSuccess(s -> server = s);
    }

    int actualPort() {
        return server.actualPort();
    }
}
