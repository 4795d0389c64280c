package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.Cidr;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.Rate;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.config.TrustedSource;
import dev.countersign.pdp.http.Authenticator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-client rates on a real node: {@code burst} requests at once, then 429 with {@code Retry-After}
 * until the bucket refills at {@code per_second}; each client (and each trusted source) has a bucket
 * of its own; a request over its rate is refused before its body is read.
 */
class ClientRatesTest {
    static final String BODY = "{\"action\": {\"name\": \"data.read\"}}";
    static final Map<String, String> TOKENS = Map.of("bursty", "bursty-token-0123456789", "metered", "metered-token-0123456789",
            "steady", "steady-token-0123456789");

    @TempDir
    static Path dir;
    static TestNode node;

    static ClientConfig client(String name, Rate rate) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(Scope.DECIDE), null, rate);
    }

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = TestNode.config(dir, Path.of("../policies"), List.of(client("bursty", new Rate(1, 3)),
                        client("metered", new Rate(1, 1)), client("steady", null)), List.of())
                .withForwardAuth(new ServerConfig.ForwardAuth("X-Forwarded-User", "human", "", List.of(
                        new TrustedSource("traefik", Cidr.parse("127.0.0.2/32"), new Rate(1, 2)))));
        node = TestNode.start(TestNode.withMaxBodyBytes(config, 1024 * 1024));
        assertEquals(200, node.post("/v1/decisions", BODY, TOKENS.get("steady")).statusCode(), "warm");
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static void assertRateLimited(int status, String retryAfter, JsonObject error, String who, String rate) {
        assertEquals(429, status, error.encode());
        assertEquals("1", retryAfter, "whole seconds, at least 1");
        assertEquals("rate_limited", error.getString("code"));
        assertTrue(error.getString("message").contains("client " + who + " exceeded its rate of " + rate + " requests per second"),
                error.getString("message"));
    }

    @Test
    void aBurstIsAllowedThenTheNextWaitsUntilTheBucketRefills() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<Buffer> r = node.post("/v1/decisions", BODY, TOKENS.get("bursty"));
            assertEquals(200, r.statusCode(), "request " + i + " of the burst: " + r.bodyAsString());
        }
        HttpResponse<Buffer> over = node.post("/v1/decisions", BODY, TOKENS.get("bursty"));
        assertRateLimited(over.statusCode(), over.getHeader("Retry-After"), over.bodyAsJsonObject(), "bursty", "1");

        for (int i = 0; i < 10; i++) {
            assertEquals(200, node.post("/v1/decisions", BODY, TOKENS.get("steady")).statusCode(), "a client without a rate is unaffected");
        }
        assertEquals(200, node.get("/v1/policies", TOKENS.get("metered")).statusCode(), "another client has a bucket of its own");

        Thread.sleep(1100);
        assertEquals(200, node.post("/v1/decisions", BODY, TOKENS.get("bursty")).statusCode(), "a token came back after a second");
        assertEquals(429, node.post("/v1/decisions", BODY, TOKENS.get("bursty")).statusCode(), "one token, not a burst");
    }

    @Test
    void aRequestOverItsRateIsRefusedBeforeItsBodyIsSent() throws Exception {
        Thread.sleep(1100); // whatever another test took from metered is back
        assertEquals(200, node.post("/v1/decisions", BODY, TOKENS.get("metered")).statusCode());
        try (RawHttp http = RawHttp.connect(node.server.port())) {
            RawHttp.Response r = http.sendHead("POST /v1/decisions HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                    "Content-Length: 1048576", "Authorization: Bearer " + TOKENS.get("metered")).read();
            assertRateLimited(r.status(), r.header("Retry-After"), r.json(), "metered", "1");
            assertEquals("close", r.header("Connection"));
            assertTrue(http.closedByServer(), "the connection is closed, so the body is never read");
        }
    }

    @Test
    void aTrustedSourceHasARateOfItsOwn() throws Exception {
        String[] traefik = {"Host: countersign.internal", "X-Forwarded-Method: GET", "X-Forwarded-Uri: /health",
                "X-Forwarded-Host: shop.example.com"};
        for (int i = 0; i < 2; i++) {
            try (RawHttp http = RawHttp.connect("127.0.0.2", node.server.port())) {
                assertEquals(403, http.sendHead("GET /v1/authz/forward HTTP/1.1", traefik).read().status(), "decided (the default deny)");
            }
        }
        try (RawHttp http = RawHttp.connect("127.0.0.2", node.server.port())) {
            RawHttp.Response r = http.sendHead("GET /v1/authz/forward HTTP/1.1", traefik).read();
            assertRateLimited(r.status(), r.header("Retry-After"), r.json(), "traefik", "1");
        }
        try (RawHttp http = RawHttp.connect("127.0.0.2", node.server.port())) {
            String[] withToken = {traefik[0], traefik[1], traefik[2], traefik[3], "X-Countersign-Authorization: Bearer " + TOKENS.get("steady")};
            assertEquals(403, http.sendHead("GET /v1/authz/forward HTTP/1.1", withToken).read().status(),
                    "a gateway with a token is its client, with the client's rate");
        }
    }
}
