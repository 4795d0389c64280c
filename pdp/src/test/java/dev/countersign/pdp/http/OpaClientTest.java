package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.contentgrid.opa.client.OpaClient;
import com.contentgrid.opa.client.api.DataApi.GetDataResponse;
import com.contentgrid.opa.client.rest.OpaHttpClient;
import com.contentgrid.opa.client.rest.RestClientConfiguration.LogSpecification;
import com.contentgrid.opa.client.rest.client.jdk.DefaultOpaHttpClient;
import com.contentgrid.opa.client.rest.http.HttpStatusException;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OPA client that no one here wrote, contentgrid's opa-async-java-client, against the Data API of
 * a real node serving the starter policies. Its {@code DataApi.getData} reads a document with
 * {@code GET /v1/data/{path}}; a query with an input goes through its REST client as
 * {@code POST /v1/data/{path}} with {@code {"input": ...}}, which is how OPA clients ask for a decision.
 */
class OpaClientTest {
    static final Map<String, Object> EXPORT_ALLOWED = Map.of(
            "actor", Map.of("id", "alice@example.com", "type", "human"),
            "action", Map.of("name", "data.export"),
            "resource", Map.of("classification", "internal", "environment", "staging"),
            "target", Map.of("region", "us-east-1"));
    static final Map<String, Object> EXPORT_DENIED = Map.of(
            "actor", Map.of("id", "agent:etl-bot", "type", "agent"),
            "action", Map.of("name", "data.export"),
            "resource", Map.of("classification", "pii", "environment", "staging"),
            "target", Map.of("region", "us-east-1"));
    static final Map<String, Object> EXPORT_HELD = Map.of(
            "actor", Map.of("id", "agent:etl-bot", "type", "agent"),
            "action", Map.of("name", "data.export"),
            "resource", Map.of("classification", "internal", "environment", "production"),
            "target", Map.of("region", "eu-west-1"));

    @TempDir
    static Path dir;
    static TestNode node;
    static OpaHttpClient http;
    static OpaClient opa;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of()));
        // A REST client configured as the builder's default one is (unknown properties ignored), kept for queries with an input.
        http = new DefaultOpaHttpClient(HttpClient.newHttpClient(),
                JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build());
        opa = OpaClient.builder().url("http://127.0.0.1:" + node.server.port()).restClient(http).httpLogging(LogSpecification::none).build();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    /** OPA's answer to a query, as an application using this client would model it. */
    public static final class Answer {
        @JsonProperty("decision_id")
        public String decisionId;
        public Document result;
    }

    /** The result document of package policies.export. */
    public static final class Document {
        public boolean allow;
        public String verdict;
        public List<Reason> reasons;
        public Map<String, Object> approval;
        @JsonProperty("bundle_revision")
        public String bundleRevision;
    }

    public static final class Reason {
        public String rule;
        @JsonProperty("package")
        public String packageName;
        public String message;
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(30, TimeUnit.SECONDS);
    }

    record Case(String description, Map<String, Object> input, boolean allow, String verdict, String reason) {
    }

    @TestFactory
    Stream<DynamicTest> aQueryWithAnInputAnswersTheDecision() {
        return Stream.of(
                new Case("allowed", EXPORT_ALLOWED, true, "allow", "identified actors may export"),
                new Case("denied", EXPORT_DENIED, false, "deny", "PII stays in the EU"),
                new Case("held for approval, which is not allow", EXPORT_HELD, false, "needs_approval",
                        "agents need approval for production exports")
        ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
            Answer answer = await(http.post("/v1/data/policies/export", Map.of("input", c.input()), Answer.class));
            assertTrue(answer.decisionId != null && answer.decisionId.matches("[0-9A-Z]{26}"), answer.decisionId);
            assertEquals(c.allow(), answer.result.allow);
            assertEquals(c.verdict(), answer.result.verdict);
            assertTrue(answer.result.reasons.stream().anyMatch(r -> r.rule.equals(c.reason()) && r.packageName.equals("policies.export")),
                    "no reason " + c.reason());
            assertEquals(c.verdict().equals("needs_approval"), answer.result.approval != null);
            assertTrue(answer.result.bundleRevision.startsWith("sha256:"), answer.result.bundleRevision);

            GetDataResponse<?> allow = await(http.post("/v1/data/policies/export/allow", Map.of("input", c.input()), GetDataResponse.class));
            assertEquals(c.allow(), allow.getResult());
        }));
    }

    @Test
    void aHeldDecisionNamesItsApprovers() throws Exception {
        Answer answer = await(http.post("/v1/data/policies/export", Map.of("input", EXPORT_HELD), Answer.class));
        assertEquals(List.of("data-governance"), answer.result.approval.get("groups"));
        assertEquals(Map.of("data-governance", 1), answer.result.approval.get("quorum"));
        assertEquals("PT1H", answer.result.approval.get("ttl"));
    }

    @Test
    void theClientsOwnGetDataCarriesTheInputInTheQuery() throws Exception {
        String input = URLEncoder.encode(new JsonObject(EXPORT_HELD).encode(), StandardCharsets.UTF_8);
        Answer held = await(opa.getData("policies/export?input=" + input, Answer.class));
        assertEquals("needs_approval", held.result.verdict);
        assertFalse(held.result.allow);
        GetDataResponse<?> allow = await(opa.getData("policies/export/allow?input=" + input, GetDataResponse.class));
        assertEquals(Boolean.FALSE, allow.getResult());
    }

    @Test
    void anUnknownPathIsUndefined() throws Exception {
        GetDataResponse<?> read = await(opa.getData("policies/nothing", GetDataResponse.class));
        assertNull(read.getResult(), "the client's undefined: no result");
        GetDataResponse<?> asked = await(http.post("/v1/data/policies/nothing/allow", Map.of("input", EXPORT_ALLOWED), GetDataResponse.class));
        assertNull(asked.getResult());
        Answer sibling = await(http.post("/v1/data/policies/exp", Map.of("input", EXPORT_ALLOWED), Answer.class));
        assertNull(sibling.result, "a prefix of a package name is not a package");
        assertNull(sibling.decisionId, "nothing was decided");
    }

    @Test
    void theDecisionIdLeadsToTheRecordedDecision() throws Exception {
        Answer answer = await(http.post("/v1/data/policies/export", Map.of("input", EXPORT_DENIED), Answer.class));
        JsonObject record = node.get("/v1/decisions/" + answer.decisionId, null).bodyAsJsonObject();
        assertEquals("data_api", record.getString("via"), record.encode());
        assertEquals("deny", record.getString("verdict"));
        assertEquals("policies.export", record.getString("package"));
        assertEquals("agent:etl-bot", record.getJsonObject("input").getJsonObject("actor").getString("id"));
    }

    @Test
    void badInputFailsTheFutureWithA400() throws Exception {
        Map<String, Object> bad = Map.of("action", Map.of("name", 5));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> await(http.post("/v1/data/policies/export", Map.of("input", bad), Answer.class)));
        assertEquals(400, assertInstanceOf(HttpStatusException.class, e.getCause()).getStatusCode());
    }

    /**
     * Unlike OPA, which evaluates a rule without an input (usually to undefined or a default), a
     * package asked for without an input is a 400: a decision needs an action. A plain
     * {@code getData} of a package path therefore fails.
     */
    @Test
    void aPackageReadWithoutAnInputIsRefused() throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(opa.getData("policies/export", GetDataResponse.class)));
        assertEquals(400, assertInstanceOf(HttpStatusException.class, e.getCause()).getStatusCode());
    }
}
