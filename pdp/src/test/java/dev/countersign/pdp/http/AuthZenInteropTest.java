package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of the AuthZEN working group's interop suites (src/test/resources/authzen), sent over
 * HTTP to a real node: the Todo application and the API gateways against the authzen-todo bundle,
 * the certification scenario's Basic and Batch levels against the authzen-certification bundle.
 * The pass counts of each suite are printed when the class ends.
 */
class AuthZenInteropTest {
    static final Path CASES = Path.of("src/test/resources/authzen/cases");
    static final String TOKEN = TestNode.TOKENS.get("gateway");
    static final Map<String, AtomicInteger[]> COUNTS = new LinkedHashMap<>();

    @TempDir
    static Path dir;
    static TestNode todo;
    static TestNode certification;

    @BeforeAll
    static void start() throws Exception {
        todo = TestNode.start(TestNode.config(dir.resolve("todo"), Path.of("src/test/resources/bundles/authzen-todo"),
                TestNode.withClients(), List.of()));
        certification = TestNode.start(TestNode.config(dir.resolve("certification"),
                Path.of("src/test/resources/bundles/authzen-certification"), TestNode.withClients(), List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        StringBuilder line = new StringBuilder("AuthZEN interop:");
        COUNTS.forEach((suite, c) -> line.append(' ').append(suite).append(' ').append(c[0].get()).append('/').append(c[1].get())
                .append(" passed;"));
        System.out.println(line);
        if (todo != null) {
            todo.close();
        }
        if (certification != null) {
            certification.close();
        }
    }

    @Test
    void discoveryAnnouncesTheSchemeAndHostTheRequestWasSentTo() throws Exception {
        HttpResponse<Buffer> response = todo.get(AuthZenHandler.CONFIGURATION, null);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        String base = "http://127.0.0.1:" + todo.server.port();
        JsonObject metadata = response.bodyAsJsonObject();
        assertEquals(base, metadata.getString("policy_decision_point"));
        assertEquals(base + "/access/v1/evaluation", metadata.getString("access_evaluation_endpoint"));
        assertEquals(base + "/access/v1/evaluations", metadata.getString("access_evaluations_endpoint"));
        HttpResponse<Buffer> named = todo.client.get(AuthZenHandler.CONFIGURATION).putHeader("Host", "pdp.internal:8443").send()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals("http://pdp.internal:8443", named.bodyAsJsonObject().getString("policy_decision_point"));
    }

    /** The bundle's directory is the working group's: each user's e-mail address and roles, keyed by pid. */
    @Test
    void theTodoBundleHoldsTheWorkingGroupsDirectory() throws Exception {
        JsonObject directory = new JsonObject(Files.readString(Path.of("src/test/resources/authzen/directory/todo-data.json")));
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(dev.countersign.rules.json.Json.YAML_FACTORY)
                .readTree(Path.of("src/test/resources/bundles/authzen-todo/todo/data.yaml").toFile());
        JsonArray users = directory.getJsonArray("users");
        assertEquals(users.size(), yaml.get("users").size());
        for (int i = 0; i < users.size(); i++) {
            JsonObject user = users.getJsonObject(i);
            var entry = yaml.get("users").get(user.getString("pid"));
            assertNotNull(entry, user.getString("pid"));
            assertEquals(user.getString("email"), entry.get("email").asText());
            assertEquals(user.getJsonArray("roles").encode(), entry.get("roles").toString());
        }
        assertEquals(directory.getJsonArray("viewer_roles").encode(), yaml.get("viewer_roles").toString());
        assertEquals(directory.getJsonArray("editor_roles").encode(), yaml.get("editor_roles").toString());
    }

    @TestFactory
    Stream<DynamicTest> theTodoApplicationsCases() throws Exception {
        JsonObject file = read("todo/decisions-authorization-api-1_0-02.json");
        List<DynamicTest> tests = new ArrayList<>();
        JsonArray single = file.getJsonArray("evaluation");
        for (int i = 0; i < single.size(); i++) {
            JsonObject c = single.getJsonObject(i);
            tests.add(counted("todo", "evaluation " + i + ": " + describe(c.getJsonObject("request")), () -> {
                JsonObject answer = decided(todo, AuthZenHandler.EVALUATION, c.getJsonObject("request"));
                assertEquals(c.getBoolean("expected"), answer.getBoolean("decision"), answer.encode());
            }));
        }
        JsonArray batches = file.getJsonArray("evaluations");
        for (int i = 0; i < batches.size(); i++) {
            JsonObject c = batches.getJsonObject(i);
            tests.add(counted("todo", "evaluations " + i, () -> {
                JsonObject answer = decided(todo, AuthZenHandler.EVALUATIONS, c.getJsonObject("request"));
                JsonArray expected = c.getJsonArray("expected");
                JsonArray got = answer.getJsonArray("evaluations");
                assertEquals(expected.size(), got.size(), answer.encode());
                for (int k = 0; k < expected.size(); k++) {
                    assertEquals(expected.getJsonObject(k).getBoolean("decision"), got.getJsonObject(k).getBoolean("decision"),
                            "item " + k + ": " + answer.encode());
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> theApiGatewaysCases() throws Exception {
        JsonArray single = read("gateway/decisions.json").getJsonArray("evaluation");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < single.size(); i++) {
            JsonObject c = single.getJsonObject(i);
            tests.add(counted("gateway", "evaluation " + i + ": " + describe(c.getJsonObject("request")), () -> {
                JsonObject answer = decided(todo, AuthZenHandler.EVALUATION, c.getJsonObject("request"));
                assertEquals(c.getBoolean("expected"), answer.getBoolean("decision"), answer.encode());
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> theCertificationScenariosBasicAndBatchLevels() throws Exception {
        JsonArray cases = read("certification/authorization-api-1_0-scenario.json").getJsonArray("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            JsonObject c = cases.getJsonObject(i);
            tests.add(counted("certification", c.getString("id") + " " + c.getString("title"), () -> certify(c)));
        }
        return tests.stream();
    }

    /** One certification case: its request (or raw body, content type, headers) sent {@code repeat} times, each answer checked. */
    private static void certify(JsonObject c) throws Exception {
        String path = c.getString("endpoint").equals("evaluation") ? AuthZenHandler.EVALUATION : AuthZenHandler.EVALUATIONS;
        String body = c.containsKey("raw_body") ? c.getString("raw_body") : c.getJsonObject("request").encode();
        JsonObject expected = c.getJsonObject("expected");
        JsonObject headers = c.getJsonObject("headers", new JsonObject());
        for (int round = 0; round < c.getInteger("repeat", 1); round++) {
            var request = certification.client.post(path).putHeader("Authorization", "Bearer " + TOKEN)
                    .putHeader("Content-Type", c.getString("content_type", "application/json"));
            headers.forEach(h -> request.putHeader(h.getKey(), (String) h.getValue()));
            HttpResponse<Buffer> response = request.sendBuffer(Buffer.buffer(body)).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(expected.getInteger("status"), response.statusCode(), response.bodyAsString());
            JsonObject answer = response.bodyAsJsonObject();
            if (response.statusCode() != 200) {
                assertNotNull(answer.getString("code"), response.bodyAsString());
                assertNotNull(answer.getString("message"), response.bodyAsString());
                continue;
            }
            if (expected.getBoolean("echo_request_id", false)) {
                assertEquals(headers.getString("X-Request-ID"), response.getHeader("X-Request-ID"));
            }
            if (expected.containsKey("decision")) {
                assertBoolean(expected.getValue("decision"), answer.getValue("decision"), answer);
            }
            if (expected.containsKey("evaluations")) {
                JsonArray want = expected.getJsonArray("evaluations");
                JsonArray got = answer.getJsonArray("evaluations");
                assertNotNull(got, answer.encode());
                assertEquals(want.size(), got.size(), answer.encode());
                for (int k = 0; k < want.size(); k++) {
                    assertBoolean(want.getValue(k), got.getJsonObject(k).getValue("decision"), answer);
                }
            }
        }
    }

    /** {@code want} null: any boolean. */
    private static void assertBoolean(Object want, Object got, JsonObject answer) {
        assertTrue(got instanceof Boolean, "decision is a boolean: " + answer.encode());
        if (want != null) {
            assertEquals(want, got, answer.encode());
        }
    }

    private static JsonObject decided(TestNode node, String path, JsonObject request) throws Exception {
        HttpResponse<Buffer> response = node.post(path, request.encode(), TOKEN);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        return response.bodyAsJsonObject();
    }

    private static DynamicTest counted(String suite, String name, org.junit.jupiter.api.function.Executable check) {
        AtomicInteger[] c = COUNTS.computeIfAbsent(suite, s -> new AtomicInteger[]{new AtomicInteger(), new AtomicInteger()});
        c[1].incrementAndGet();
        return DynamicTest.dynamicTest(suite + " " + name, () -> {
            check.execute();
            c[0].incrementAndGet();
        });
    }

    private static String describe(JsonObject request) {
        JsonObject subject = request.getJsonObject("subject");
        String id = subject.getString("id");
        return (id.length() > 12 ? id.substring(0, 12) + "…" : id) + " " + request.getJsonObject("action").getString("name") + " "
                + request.getJsonObject("resource").getString("id");
    }

    private static JsonObject read(String file) throws Exception {
        return new JsonObject(Files.readString(CASES.resolve(file)));
    }
}
