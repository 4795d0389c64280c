package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a 4xx whose JSON says what is wrong and where, never a 5xx, and the node stays up.
 * The body corpus is the engine's ({@code rules/src/test/resources/inputs/bad_inputs.yaml}), sent
 * over HTTP; the rest are HTTP-level faults.
 */
class BadInputTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        assertEquals(200, node.get("/health/ready", null).statusCode(), "the node is still ready after all the bad input");
        node.close();
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> everyBadBodyIsA400NamingTheProblem() throws Exception {
        List<Map<String, String>> corpus = new YAMLMapper().readValue(
                Path.of("../rules/src/test/resources/inputs/bad_inputs.yaml").toFile(), List.class);
        return corpus.stream().map(c -> DynamicTest.dynamicTest("body [" + c.get("body") + "]", () -> {
            HttpResponse<Buffer> r = node.post("/v1/decisions", c.get("body"), null);
            assertEquals(400, r.statusCode(), r.bodyAsString());
            JsonObject error = r.bodyAsJsonObject();
            assertEquals(c.get("code"), error.getString("code"));
            assertTrue(error.getString("message").contains(c.get("message")), error.getString("message"));
            if (!c.get("pointer").isEmpty()) {
                assertEquals(c.get("pointer"), error.getString("location"));
                assertTrue(error.getString("message").startsWith(c.get("pointer") + ": "), error.getString("message"));
            }
        }));
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        String big = "{\"action\": {\"name\": \"x\"}, \"attributes\": {\"blob\": \"" + "x".repeat(70 * 1024) + "\"}}";
        HttpResponse<Buffer> r = node.post("/v1/decisions", big, null);
        assertEquals(413, r.statusCode());
        assertEquals("body_too_large", r.bodyAsJsonObject().getString("code"));
    }

    @Test
    void aBodyThatIsNotJsonIs415() throws Exception {
        HttpResponse<Buffer> r = node.client.post("/v1/decisions").putHeader("Content-Type", "application/x-www-form-urlencoded")
                .sendBuffer(Buffer.buffer("action=x")).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(415, r.statusCode());
        JsonObject error = r.bodyAsJsonObject();
        assertEquals("unsupported_media_type", error.getString("code"));
        assertTrue(error.getString("message").contains("application/json"));
    }

    @Test
    void anUnknownRouteIs404AndAWrongMethodIs405() throws Exception {
        HttpResponse<Buffer> missing = node.get("/v1/nothing", null);
        assertEquals(404, missing.statusCode());
        assertEquals("not_found", missing.bodyAsJsonObject().getString("code"));
        HttpResponse<Buffer> wrong = node.get("/v1/decisions", null);
        assertEquals(405, wrong.statusCode());
        assertEquals("method_not_allowed", wrong.bodyAsJsonObject().getString("code"));
        HttpResponse<Buffer> put = node.client.put("/v1/policies").send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(405, put.statusCode());
    }

    @Test
    void aQueryStringThatDoesNotDecodeIsA400() throws Exception {
        for (String path : List.of("/v1/decisions?pretty=%zz", "/v1/policies?x=%", "/health?%E0%A4%A")) {
            HttpResponse<Buffer> r = path.startsWith("/v1/decisions")
                    ? node.post(path, "{\"action\": {\"name\": \"x\"}}", null) : node.get(path, null);
            assertEquals(400, r.statusCode(), path + " " + r.bodyAsString());
            assertEquals("invalid_parameter", r.bodyAsJsonObject().getString("code"), path);
        }
    }

    @Test
    void aForwardedPathThatClimbsOutOfItsPrefixIsA400NotAnotherRoute() throws Exception {
        for (String path : List.of("/v1/authz/forward/../../../health", "/v1/authz/forward/%2e%2e/%2e%2e/%2e%2e/health/ready")) {
            HttpResponse<Buffer> r = node.get(path, null);
            assertEquals(400, r.statusCode(), path + " " + r.bodyAsString());
            assertEquals("invalid_path", r.bodyAsJsonObject().getString("code"), path);
        }
    }

    /** What the HTTP decoder refuses is the same JSON error as the rest, on a connection then closed. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', textBlock = """
            uri      | 414 | uri_too_long      | longer than this server reads
            headers  | 431 | headers_too_large | larger than this server reads
            garbage  | 400 | malformed_request | not valid HTTP/1.1
            """)
    void whatTheHttpDecoderRefusesIsAJsonError(String what, int status, String code, String message) throws Exception {
        String request = switch (what) {
            case "uri" -> "GET /v1/data?input=" + "x".repeat(10_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
            case "headers" -> "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n";
            default -> "GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: nope\r\n\r\n";
        };
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(answer.matches("(?s)HTTP/1\\.[01] " + status + " .*"), answer);   // 1.0 when the request line was not read
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), answer);
            JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertEquals(code, error.getString("code"));
            assertTrue(error.getString("message").contains(message), error.getString("message"));
        }
    }

    @Test
    void aRequestWithoutABodyIsA400() throws Exception {
        HttpResponse<Buffer> r = node.client.post("/v1/decisions").send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(400, r.statusCode());
        assertNotNull(r.bodyAsJsonObject().getString("message"));
    }
}
