package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Callers authenticate with SHA-256-hashed bearer tokens and need the scope of each endpoint, and
 * are refused from their headers alone, before any byte of their body is read. The node accepts
 * bodies of up to 1 MiB (the default), so a 1 MiB body is one it would otherwise wait for.
 */
class AuthTest {
    static final String BODY = "{\"action\": {\"name\": \"data.read\"}}";
    static final int ONE_MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.withMaxBodyBytes(TestNode.config(dir, Path.of("../policies"), TestNode.withClients(), List.of()),
                ONE_MIB));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void withoutATokenIs401() throws Exception {
        var r = node.post("/v1/decisions", BODY, null);
        assertEquals(401, r.statusCode());
        assertEquals("unauthorized", r.bodyAsJsonObject().getString("code"));
        assertTrue(r.getHeader("WWW-Authenticate").startsWith("Bearer"));
    }

    @Test
    void anUnknownTokenIs401() throws Exception {
        assertEquals(401, node.post("/v1/decisions", BODY, "not-a-client").statusCode());
        var r = node.client.post("/v1/decisions").putHeader("Authorization", "Basic Z2F0ZXdheTp4").sendBuffer(io.vertx.core.buffer.Buffer.buffer(BODY))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(401, r.statusCode());
    }

    @Test
    void theRightScopeDecides() throws Exception {
        var r = node.post("/v1/decisions", BODY, TestNode.TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("allow", r.bodyAsJsonObject().getString("verdict"));
        String id = r.bodyAsJsonObject().getString("decision_id");
        var record = node.get("/v1/decisions/" + id, TestNode.TOKENS.get("admin"));
        assertEquals("gateway", record.bodyAsJsonObject().getString("caller"));
    }

    @Test
    void theWrongScopeIs403NamingTheScope() throws Exception {
        var r = node.post("/v1/decisions", BODY, TestNode.TOKENS.get("carol"));
        assertEquals(403, r.statusCode());
        assertTrue(r.bodyAsJsonObject().getString("message").contains("needs the scope decide"), r.bodyAsString());
        var reload = node.post("/v1/policies/reload", "", TestNode.TOKENS.get("gateway"));
        assertEquals(403, reload.statusCode());
        assertTrue(reload.bodyAsJsonObject().getString("message").contains("admin"));
    }

    @Test
    void anAdminReloads() throws Exception {
        var r = node.post("/v1/policies/reload", "", TestNode.TOKENS.get("admin"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("unchanged", r.bodyAsJsonObject().getString("outcome"));
    }

    @Test
    void healthAndMetricsNeedNoToken() throws Exception {
        assertEquals(200, node.get("/health", null).statusCode());
        assertEquals(200, node.get("/health/ready", null).statusCode());
        assertEquals(200, node.get("/metrics", null).statusCode());
    }

    /** A request head declaring a 1 MiB JSON body, with {@code more} header lines; the body is not sent. */
    static RawHttp.Response postHead(RawHttp http, String path, String... more) throws Exception {
        String[] lines = new String[3 + more.length];
        lines[0] = "Host: 127.0.0.1";
        lines[1] = "Content-Type: application/json";
        lines[2] = "Content-Length: " + ONE_MIB;
        System.arraycopy(more, 0, lines, 3, more.length);
        return http.sendHead("POST " + path + " HTTP/1.1", lines).read();
    }

    @Test
    void anUnauthenticatedBodyIsRefusedBeforeAByteOfItIsSent() throws Exception {
        for (String[] credential : List.of(new String[0], new String[]{"Authorization: Bearer not-a-client"})) {
            try (RawHttp http = RawHttp.connect(node.server.port())) {
                RawHttp.Response r = postHead(http, "/v1/decisions", credential);
                assertEquals(401, r.status(), r.body());
                assertEquals("unauthorized", r.json().getString("code"));
                assertEquals("close", r.header("Connection"));
                assertTrue(http.closedByServer(), "the connection is closed, so the body is never read");
            }
        }
    }

    @Test
    void aClientWithoutTheScopeIsRefusedBeforeItsBodyIsSent() throws Exception {
        try (RawHttp http = RawHttp.connect(node.server.port())) {
            RawHttp.Response r = postHead(http, "/v1/policies/reload", "Authorization: Bearer " + TestNode.TOKENS.get("gateway"));
            assertEquals(403, r.status(), r.body());
            assertTrue(http.closedByServer());
        }
    }

    /** {@code Expect: 100-continue} is answered 100 only once the caller is admitted; a refused one gets its 401 instead. */
    @Test
    void continueIsSentOnlyToAnAuthenticatedCaller() throws Exception {
        try (RawHttp http = RawHttp.connect(node.server.port())) {
            RawHttp.Response r = postHead(http, "/v1/decisions", "Expect: 100-continue");
            assertEquals(401, r.status(), "no 100 Continue before the caller is known: " + r.body());
            assertEquals("unauthorized", r.json().getString("code"));
            assertTrue(http.closedByServer());
        }
        byte[] body = BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (RawHttp http = RawHttp.connect(node.server.port())) {
            RawHttp.Response go = http.sendHead("POST /v1/decisions HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                    "Content-Length: " + body.length, "Expect: 100-continue", "Authorization: Bearer " + TestNode.TOKENS.get("gateway")).read();
            assertEquals(100, go.status());
            RawHttp.Response decided = http.sendBody(body).read();
            assertEquals(200, decided.status(), decided.body());
            assertEquals("allow", decided.json().getString("verdict"));
        }
    }

    @Test
    void aBodyDeclaredOverTheLimitIs413BeforeContinue() throws Exception {
        try (RawHttp http = RawHttp.connect(node.server.port())) {
            RawHttp.Response r = http.sendHead("POST /v1/decisions HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                    "Content-Length: " + (ONE_MIB + 1), "Expect: 100-continue", "Authorization: Bearer " + TestNode.TOKENS.get("gateway")).read();
            assertEquals(413, r.status(), r.body());
            assertEquals("body_too_large", r.json().getString("code"));
            assertTrue(http.closedByServer());
        }
    }

    @Test
    void withoutClientsANodeRefusesToListenBeyondLoopback(@TempDir Path other) throws Exception {
        ServerConfig loopback = TestNode.config(other, Path.of("../policies"), List.of(), List.of());
        ServerConfig everywhere = loopback.withHost("0.0.0.0");
        ExecutionException e = assertThrows(ExecutionException.class, () -> TestNode.start(everywhere));
        assertTrue(e.getCause().getMessage().contains("refusing to listen on 0.0.0.0 without clients"), e.getCause().getMessage());
    }
}
