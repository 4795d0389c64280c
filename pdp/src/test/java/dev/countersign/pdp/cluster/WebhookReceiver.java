package dev.countersign.pdp.cluster;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A webhook destination on 127.0.0.1: answers every POST 204 and keeps, by {@code X-Countersign-Event},
 * the type of each event received (de-duplicating by id, as a receiver should), and how many
 * deliveries arrived in all (retries and repeats included).
 */
final class WebhookReceiver implements AutoCloseable {
    final Map<String, String> eventById = new ConcurrentHashMap<>();
    final AtomicLong deliveries = new AtomicLong();
    private final HttpServer server;

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/hook", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String id = exchange.getRequestHeaders().getFirst("X-Countersign-Event");
                deliveries.incrementAndGet();
                if (id != null) {
                    eventById.putIfAbsent(id, new JsonObject(body).getJsonObject("event").getString("type"));
                }
                exchange.sendResponseHeaders(204, -1);
            }
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The configuration that routes every approval's events here. */
    String config() {
        return "connectors: {webhook: {secret: \"it-webhook-secret-0123456789\", hosts: [\"127.0.0.1:" + port() + "\"]}}\n"
                + "routes: {\"*\": [\"webhook:http://127.0.0.1:" + port() + "/hook\"]}\n";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
