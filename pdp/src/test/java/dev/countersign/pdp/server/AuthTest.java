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

/** Callers authenticate with SHA-256-hashed bearer tokens and need the scope of each endpoint. */
class AuthTest {
    static final String BODY = "{\"action\": {\"name\": \"data.read\"}}";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir, Path.of("../policies"), TestNode.withClients(), List.of()));
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

    @Test
    void withoutClientsANodeRefusesToListenBeyondLoopback(@TempDir Path other) throws Exception {
        ServerConfig loopback = TestNode.config(other, Path.of("../policies"), List.of(), List.of());
        ServerConfig everywhere = loopback.withHost("0.0.0.0");
        ExecutionException e = assertThrows(ExecutionException.class, () -> TestNode.start(everywhere));
        assertTrue(e.getCause().getMessage().contains("refusing to listen on 0.0.0.0 without clients"), e.getCause().getMessage());
    }
}
