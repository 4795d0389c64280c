package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bad-request corpus: requests described in YAML (an HTTP request, or raw bytes for a socket),
 * sent to a node, each answer held to the API's error contract — never a 5xx; a 4xx is a JSON
 * object with a {@code code} and a {@code message}, the expected ones when the case names them.
 *
 * <p>A case: {@code name}, {@code method} (GET), {@code path}, {@code token} (a client of
 * {@link TestNode#TOKENS}, sent as {@code Authorization: Bearer}), {@code headers} (a value or a list
 * of values each), {@code body}; or {@code raw} (the bytes of one or more requests, ISO-8859-1, with
 * {@code half_close} to end the sending side after them, and {@code answers} the responses to read,
 * or {@code closed} when the server must close the connection without answering: a body whose
 * framing breaks, after which nothing on the connection can be read as a request);
 * and what is expected: {@code status}, {@code code}, {@code message} (a phrase of it),
 * {@code location}. Texts may hold {@code {token:NAME}} and {@code {repeat N}TEXT{/repeat}}, and
 * whatever the test's own placeholders replace.
 */
public final class BadRequests {
    /** Numbers read exactly, for comparing what was sent with what was logged. */
    public static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    /** An innermost repeat: its text holds no other. */
    private static final Pattern REPEAT = Pattern.compile("\\{repeat (\\d+)\\}((?:(?!\\{repeat ).)*?)\\{/repeat\\}", Pattern.DOTALL);
    private static final Pattern TOKEN = Pattern.compile("\\{token:([a-z-]+)\\}");

    /** One request of the corpus and what its answer must be. */
    public record Case(String name, String method, String path, String token, Map<String, Object> headers, String body, String raw,
                       boolean halfClose, int answers, boolean closed, Integer status, String code, String message, String location) {
        @Override
        public String toString() {
            return name;
        }
    }

    private BadRequests() {
    }

    /** The cases of {@code yaml}, their texts expanded by {@code placeholders} then the common ones. */
    @SuppressWarnings("unchecked")
    public static List<Case> load(Path yaml, UnaryOperator<String> placeholders) throws IOException {
        List<Map<String, Object>> entries = new YAMLMapper().readValue(yaml.toFile(), List.class);
        List<Case> cases = new ArrayList<>();
        for (Map<String, Object> e : entries) {
            UnaryOperator<String> x = s -> s == null ? null : expand(placeholders.apply(s));
            Map<String, Object> headers = new LinkedHashMap<>();
            ((Map<String, Object>) e.getOrDefault("headers", Map.of())).forEach((k, v) -> headers.put(k,
                    v instanceof List<?> l ? l.stream().map(o -> x.apply(String.valueOf(o))).toList() : x.apply(String.valueOf(v))));
            String method = (String) e.getOrDefault("method", "GET");
            String path = x.apply((String) e.get("path"));
            String raw = x.apply((String) e.get("raw"));
            String name = (String) e.getOrDefault("name", raw != null ? "raw " + abbreviate(raw) : method + " " + abbreviate(path));
            cases.add(new Case(name, method, path, (String) e.get("token"), headers, x.apply((String) e.get("body")), raw,
                    Boolean.TRUE.equals(e.get("half_close")), (Integer) e.getOrDefault("answers", 1), Boolean.TRUE.equals(e.get("closed")),
                    (Integer) e.get("status"),
                    (String) e.get("code"), (String) e.get("message"), (String) e.get("location")));
        }
        return cases;
    }

    static String expand(String s) {
        Matcher tokens = TOKEN.matcher(s);
        StringBuilder out = new StringBuilder();
        while (tokens.find()) {
            tokens.appendReplacement(out, Matcher.quoteReplacement(TestNode.TOKENS.get(tokens.group(1))));
        }
        tokens.appendTail(out);
        String text = out.toString();
        for (Matcher m = REPEAT.matcher(text); m.find(); m = REPEAT.matcher(text)) {
            StringBuilder repeated = new StringBuilder();
            do {
                m.appendReplacement(repeated, Matcher.quoteReplacement(m.group(2).repeat(Integer.parseInt(m.group(1)))));
            } while (m.find());
            m.appendTail(repeated);
            text = repeated.toString();
        }
        return text;
    }

    private static String abbreviate(String s) {
        String line = s.replaceAll("\\p{Cntrl}", "·");
        return line.length() <= 90 ? line : line.substring(0, 89) + "…";
    }

    /** An answer: status, content type and body. */
    public record Answer(int status, String contentType, String body) {
    }

    /** Sends {@code c} with {@code client}, or over a socket to {@code port} when it is raw; its answers. */
    public static List<Answer> send(WebClient client, int port, Case c) throws Exception {
        if (c.raw() != null) {
            return sendRaw(port, c);
        }
        HttpRequest<Buffer> request = client.request(HttpMethod.valueOf(c.method()), c.path());
        if (c.token() != null) {
            request.putHeader("Authorization", "Bearer " + TestNode.TOKENS.get(c.token()));
        }
        c.headers().forEach((name, value) -> {
            if (value instanceof List<?> list) {
                request.putHeader(name, list.stream().map(String::valueOf).toList());
            } else {
                request.putHeader(name, (String) value);
            }
        });
        var sent = c.body() == null ? request.send() : request.sendBuffer(Buffer.buffer(c.body().getBytes(StandardCharsets.UTF_8)));
        HttpResponse<Buffer> r = sent.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return List.of(new Answer(r.statusCode(), r.getHeader("Content-Type"), r.bodyAsString()));
    }

    private static List<Answer> sendRaw(int port, Case c) throws IOException {
        List<Answer> answers = new ArrayList<>();
        try (RawHttp http = RawHttp.connect(port)) {
            http.sendBody(c.raw().getBytes(StandardCharsets.ISO_8859_1));
            if (c.halfClose()) {
                http.endSending();
            }
            if (c.closed()) {
                assertTrue(http.closedByServer(), c.name() + ": the connection is still open");
                return answers;
            }
            for (int i = 0; i < c.answers(); i++) {
                RawHttp.Response r = http.read();
                answers.add(new Answer(r.status(), r.header("Content-Type"), r.body()));
            }
        }
        return answers;
    }

    /** Holds each answer to the error contract and to what {@code c} expects of the first. */
    public static void check(Case c, List<Answer> answers) {
        if (c.closed()) {
            assertTrue(answers.isEmpty(), c.name() + ": answered " + answers);
            return;
        }
        assertFalse(answers.isEmpty(), "no answer");
        for (Answer a : answers) {
            assertTrue(a.status() < 500, c.name() + ": " + a.status() + " " + a.body());
            if (a.status() >= 400 && !"HEAD".equals(c.method())) {
                assertNotNull(a.contentType(), c.name() + ": an error without a content type: " + a.body());
                assertTrue(a.contentType().startsWith("application/json"), c.name() + ": " + a.contentType());
                JsonNode error = errorOf(json(c, a.body()));
                if (a.status() == 403 && error.path("verdict").isTextual() && error.path("decision_id").isTextual()) {
                    continue;   // forward-auth's deny: a decision, not an error
                }
                assertTrue(error.path("code").isTextual() && !error.path("code").asText().isEmpty(), c.name() + ": no code in " + a.body());
                assertTrue(error.path("message").isTextual() && !error.path("message").asText().isEmpty(),
                        c.name() + ": no message in " + a.body());
            }
        }
        Answer first = answers.get(0);
        if (c.status() != null) {
            assertEquals(c.status(), first.status(), c.name() + ": " + first.body());
        }
        if (c.code() != null || c.message() != null || c.location() != null) {
            JsonNode error = errorOf(json(c, first.body()));
            if (c.code() != null) {
                assertEquals(c.code(), error.path("code").asText(), c.name() + ": " + first.body());
            }
            if (c.message() != null) {
                assertTrue(error.path("message").asText().contains(c.message()), c.name() + ": " + first.body());
            }
            if (c.location() != null) {
                assertEquals(c.location(), error.path("location").asText(null), c.name() + ": " + first.body());
            }
        }
    }

    /**
     * The {@code {"code", "message"}} of an error body: the body itself, or the {@code value} of a
     * Bot Framework invoke error ({@code "type": "application/vnd.microsoft.error"}), the shape the
     * Teams endpoint must answer in.
     */
    private static JsonNode errorOf(JsonNode body) {
        return "application/vnd.microsoft.error".equals(body.path("type").asText()) && body.path("value").isObject() ? body.get("value") : body;
    }

    private static JsonNode json(Case c, String body) {
        try {
            JsonNode node = EXACT.readTree(body);
            assertTrue(node != null && node.isObject(), c.name() + ": not a JSON object: " + body);
            return node;
        } catch (IOException e) {
            return fail(c.name() + ": not JSON: " + body);
        }
    }

    /** Whether the node still answers {@code /health} on a new connection. */
    public static void assertAlive(int port) throws IOException {
        try (RawHttp http = RawHttp.connect(port)) {
            http.sendHead("GET /health HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
            assertEquals(200, http.read().status(), "the node no longer answers /health");
        }
    }
}
