package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.pdp.server.MutatedRequests.Endpoint;
import dev.countersign.pdp.server.MutatedRequests.Mutation;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: whatever a valid request is mutated into ({@link MutatedRequests}, seeded: the seed is
 * {@value #SEED} unless {@code -Dcountersign.corpus.seed} says otherwise), its answer is below 500,
 * a 4xx is a JSON error with a code and a message, the node answers {@code /health} after it, and a
 * mutated request that is accepted is logged in the audit log exactly as it was sent: every value
 * the same (numbers compared exactly, times as the same instant and offset), nothing rounded,
 * replaced or dropped — but absent values and empty lists, which the API leaves out, and top-level
 * fields of no part, which it keeps in {@code attributes}.
 */
class MutatedRequestsTest {
    static final long SEED = 14;
    static final int COUNT = 250;
    private static final Set<String> PARTS = Set.of("actor", "action", "resource", "target", "context");

    @TempDir
    static Path dir;
    static TestNode node;

    /** A mutation the node accepted, and the decision it says it made. */
    record Accepted(Mutation mutation, String decisionId, byte[] sent) {
    }

    @BeforeAll
    static void start() throws Exception {
        node = BadRequestCorpusTest.startNode(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> mutatedRequestsAreAnsweredBelow500AndWhatIsAcceptedIsLoggedAsSent() {
        long seed = Long.getLong("countersign.corpus.seed", SEED);
        MutatedRequests generator = new MutatedRequests(seed);
        List<Accepted> accepted = new ArrayList<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            Mutation m = generator.next();
            tests.add(DynamicTest.dynamicTest("seed " + seed + " #" + i + " " + m.what(), () -> {
                Accepted a = send(m);
                if (a != null) {
                    accepted.add(a);
                }
                BadRequests.assertAlive(node.server.port());
            }));
        }
        tests.add(DynamicTest.dynamicTest("every accepted mutation is in the audit log as it was sent", () -> {
            assertTrue(accepted.size() >= 20, "only " + accepted.size() + " mutations were valid requests still");
            Map<String, JsonNode> logged = loggedInputs();
            for (Accepted a : accepted) {
                JsonNode input = logged.get(a.decisionId());
                assertNotNull(input, a.mutation().what() + ": decision " + a.decisionId() + " is not in the audit log");
                JsonNode sent = MutatedRequests.readExact(new String(a.sent(), StandardCharsets.UTF_8));
                if (a.mutation().endpoint() == Endpoint.DATA_V1) {
                    sent = sent.get("input");
                }
                String difference = difference("", pruned(asLogged(sent, a.mutation().endpoint())), pruned(input));
                if (difference != null) {
                    fail(a.mutation().what() + ": logged other than sent at " + difference + "\nsent:   " + new String(a.sent(),
                            StandardCharsets.UTF_8) + "\nlogged: " + input);
                }
            }
        }));
        return tests.stream();
    }

    private static Accepted send(Mutation m) throws Exception {
        var request = node.client.request(HttpMethod.valueOf(m.endpoint().method), m.path())
                .putHeader("Authorization", "Bearer " + TestNode.TOKENS.get(m.token()));
        byte[] bytes = m.body() == null ? null : m.body().getBytes(StandardCharsets.UTF_8);
        HttpResponse<Buffer> r;
        if (bytes == null) {
            r = request.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } else {
            r = request.putHeader("Content-Type", m.contentType()).sendBuffer(Buffer.buffer(bytes))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        BadRequests.Case c = new BadRequests.Case(m.what(), m.endpoint().method, m.path(), m.token(), Map.of(), m.body(), null, false, 1,
                false, null, null, null, null);
        BadRequests.check(c, List.of(new BadRequests.Answer(r.statusCode(), r.getHeader("Content-Type"), r.bodyAsString())));
        if (r.statusCode() != 200 || !m.endpoint().recorded) {
            return null;
        }
        String id = r.bodyAsJsonObject().getString("decision_id");
        assertNotNull(id, m.what() + ": an accepted request without a decision: " + r.bodyAsString());
        byte[] sent = bytes != null ? bytes : inputOf(m.path()).getBytes(StandardCharsets.UTF_8);
        return new Accepted(m, id, sent);
    }

    /** The {@code input} query parameter of {@code path}, decoded. */
    private static String inputOf(String path) {
        String encoded = path.substring(path.indexOf("?input=") + "?input=".length());
        return java.net.URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    }

    /** The input of every decision record in the node's audit log, by decision id. */
    private static Map<String, JsonNode> loggedInputs() throws Exception {
        node.server.audit().flush();
        Map<String, JsonNode> inputs = new HashMap<>();
        try (Stream<Path> files = Files.list(node.data.resolve("audit"))) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode record = MutatedRequests.readExact(line);
                    if ("decision".equals(record.path("type").asText()) && record.has("input")) {
                        inputs.put(record.path("decision_id").asText(), record.get("input"));
                    }
                }
            }
        }
        return inputs;
    }

    /** What was sent, in the shape the API logs it: top-level fields of no part in attributes, the envelope apart. */
    private static JsonNode asLogged(JsonNode sent, Endpoint endpoint) {
        ObjectNode logged = BadRequests.EXACT.createObjectNode();
        ObjectNode attributes = BadRequests.EXACT.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = sent.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (PARTS.contains(key)) {
                logged.set(key, asLoggedPart(e.getValue()));
            } else if (key.equals("attributes") && e.getValue().isObject()) {
                attributes.setAll((ObjectNode) e.getValue());
            } else if (endpoint != Endpoint.DECISIONS || !(key.equals("approval_id") || key.equals("callback_url"))) {
                attributes.set(key, e.getValue());
            }
        }
        if (!attributes.isEmpty()) {
            logged.set("attributes", attributes);
        }
        return logged;
    }

    /** A part in the shape the API logs it: the entries of a nested attributes object after its other fields. */
    private static JsonNode asLoggedPart(JsonNode part) {
        if (!part.isObject() || !part.has("attributes")) {
            return part;
        }
        ObjectNode logged = BadRequests.EXACT.createObjectNode();
        part.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("attributes")) {
                logged.set(f.getKey(), f.getValue());
            }
        });
        if (part.get("attributes").isObject()) {
            logged.setAll((ObjectNode) part.get("attributes"));
        }
        return logged;
    }

    /** {@code node} without object members that are null or empty arrays (left out by the API), at any depth. */
    private static JsonNode pruned(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = BadRequests.EXACT.createObjectNode();
            node.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (!v.isNull() && !(v.isArray() && v.isEmpty())) {
                    out.set(e.getKey(), pruned(v));
                }
            });
            return out;
        }
        if (node.isArray()) {
            var out = BadRequests.EXACT.createArrayNode();
            node.forEach(v -> out.add(pruned(v)));
            return out;
        }
        return node;
    }

    /** Where {@code sent} and {@code logged} differ (a JSON pointer and the two values), or null when they hold the same. */
    private static String difference(String at, JsonNode sent, JsonNode logged) {
        if (sent.isNumber() && logged.isNumber()) {
            return sent.decimalValue().compareTo(logged.decimalValue()) == 0 ? null : at + ": " + sent + " vs " + logged;
        }
        if (at.equals("/context/time") && sent.isTextual() && logged.isTextual()) {
            OffsetDateTime a = OffsetDateTime.parse(sent.textValue());
            OffsetDateTime b = OffsetDateTime.parse(logged.textValue());
            return a.isEqual(b) && a.getOffset().equals(b.getOffset()) ? null : at + ": " + sent + " vs " + logged;
        }
        if (sent.getNodeType() != logged.getNodeType()) {
            return at + ": " + sent + " vs " + logged;
        }
        if (sent.isObject()) {
            if (!iterable(sent.fieldNames()).equals(iterable(logged.fieldNames()))) {
                return at + ": keys " + iterable(sent.fieldNames()) + " vs " + iterable(logged.fieldNames());
            }
            for (String key : iterable(sent.fieldNames())) {
                String d = difference(at + "/" + key, sent.get(key), logged.get(key));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (sent.isArray()) {
            if (sent.size() != logged.size()) {
                return at + ": " + sent.size() + " elements vs " + logged.size();
            }
            for (int i = 0; i < sent.size(); i++) {
                String d = difference(at + "/" + i, sent.get(i), logged.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return sent.equals(logged) ? null : at + ": " + sent + " vs " + logged;
    }

    private static Set<String> iterable(Iterator<String> names) {
        Set<String> set = new java.util.TreeSet<>();
        names.forEachRemaining(set::add);
        return set;
    }
}
