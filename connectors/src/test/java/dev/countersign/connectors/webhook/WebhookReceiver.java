package dev.countersign.connectors.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on 127.0.0.1 (an ephemeral port) that does what a receiver should: recomputes
 * {@code X-Countersign-Signature} over the exact bytes received with the shared secret, compares in
 * constant time, checks the timestamp is within five minutes, and records each delivery. It answers
 * as told ({@link #answer}): a status, a redirect, an endless body, or nothing.
 */
public final class WebhookReceiver {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A delivery as received, and whether its signature was valid. */
    public record Delivery(String host, String uri, MultiMap headers, byte[] body, boolean signatureValid, String eventId, JsonNode json) {
    }

    /** How the receiver answers. */
    public sealed interface Behaviour {
    }

    /** A status with an optional header ({@code Location}, {@code Retry-After}). */
    public record Status(int status, String header, String value) implements Behaviour {
    }

    /** 200 and a body that never ends (1 MiB at a time), counting what it wrote. */
    public record Flood() implements Behaviour {
    }

    /** Reads the request and never answers. */
    public record Silence() implements Behaviour {
    }

    private final Vertx vertx;
    private final String secret;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final AtomicLong flooded = new AtomicLong();
    private volatile Behaviour behaviour = new Status(204, null, null);
    private HttpServer server;

    private WebhookReceiver(Vertx vertx, String secret) {
        this.vertx = vertx;
        this.secret = secret;
    }

    public static Future<WebhookReceiver> start(Vertx vertx, String secret) {
        WebhookReceiver receiver = new WebhookReceiver(vertx, secret);
        return vertx.createHttpServer().requestHandler(receiver::handle).listen(0, "127.0.0.1").map(s -> {
            receiver.server = s;
            return receiver;
        });
    }

    public int port() {
        return server.actualPort();
    }

    /** A URL of this receiver under {@code host} (which need not resolve: the egress says where to connect). */
    public String url(String host, String pathAndQuery) {
        return "http://" + host + ":" + port() + pathAndQuery;
    }

    public WebhookReceiver answer(Behaviour how) {
        this.behaviour = how;
        return this;
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Bytes written by {@link Flood} answers. */
    public long flooded() {
        return flooded.get();
    }

    public Future<Void> close() {
        return server.close();
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            deliveries.add(delivery(request, body));
            Behaviour how = behaviour;
            if (how instanceof Status s) {
                if (s.header() != null) {
                    request.response().putHeader(s.header(), s.value());
                }
                request.response().setStatusCode(s.status()).end();
            } else if (how instanceof Flood) {
                Buffer megabyte = Buffer.buffer(new byte[1024 * 1024]);
                request.response().setStatusCode(200).putHeader("Content-Length", Long.toString(512L * 1024 * 1024));
                long timer = vertx.setPeriodic(1, t -> {
                    if (!request.response().writeQueueFull() && !request.response().closed()) {
                        flooded.addAndGet(megabyte.length());
                        request.response().write(megabyte);
                    }
                });
                request.connection().closeHandler(v -> vertx.cancelTimer(timer));
            }
        });
    }

    private Delivery delivery(HttpServerRequest request, Buffer body) {
        byte[] bytes = body.getBytes();
        String timestamp = request.getHeader("X-Countersign-Timestamp");
        String signature = request.getHeader("X-Countersign-Signature");
        boolean valid = false;
        if (timestamp != null && signature != null && timestamp.matches("[0-9]{1,12}")
                && Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) <= 300) {
            String expected = "sha256=" + hmac(timestamp, bytes);
            valid = MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.UTF_8));
        }
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (Exception e) {
            json = null;
        }
        return new Delivery(request.authority() == null ? null : request.authority().toString(), request.uri(),
                MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), bytes, valid, request.getHeader("X-Countersign-Event"), json);
    }

    private String hmac(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : mac.doFinal(body)) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
