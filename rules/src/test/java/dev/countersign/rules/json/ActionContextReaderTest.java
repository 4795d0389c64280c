package dev.countersign.rules.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.countersign.rules.model.ActionContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ActionContextReaderTest {
    private static final ActionContextReader READER = new ActionContextReader();

    static final String FULL = """
            {
              "actor":    {"id": "agent:etl-bot", "type": "agent", "roles": ["etl"], "groups": [], "on_behalf_of": "alice@example.com", "team": "data"},
              "action":   {"name": "data.export", "command": "COPY customers TO 's3://x'", "intent": "quarterly report"},
              "resource": {"type": "table", "id": "prod.customers", "classification": "pii", "environment": "production", "region": "eu-west-1", "owner": "crm", "tags": {"cost": 12.5}},
              "target":   {"region": "us-east-1", "endpoint": "s3://x"},
              "context":  {"model_id": "gpt-4.1", "dataset_origin": "crm", "compliance_tags": ["gdpr"], "source_ip": "10.1.2.3", "time": "2026-11-21T09:30:00+01:00"},
              "attributes": {"ticket": "T-1", "rows": 20000},
              "priority": "high"
            }""";

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> badInputsAreRejectedWithCodePointerAndMessage() throws IOException {
        List<Map<String, String>> corpus = new YAMLMapper().readValue(
                Path.of("src/test/resources/inputs/bad_inputs.yaml").toFile(), List.class);
        assertTrue(corpus.size() >= 25);
        return corpus.stream().map(c -> DynamicTest.dynamicTest("body [" + c.get("body") + "]", () -> {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> READER.read(c.get("body").getBytes(StandardCharsets.UTF_8)));
            assertEquals(c.get("code"), e.code(), e.describe());
            assertEquals(c.get("pointer"), e.pointer(), e.describe());
            assertTrue(e.getMessage().contains(c.get("message")), () -> "message was: " + e.getMessage());
            if (c.containsKey("absent")) {
                assertTrue(!e.getMessage().contains(c.get("absent")), () -> "the message repeats the input: " + e.getMessage());
            }
        }));
    }

    @Test
    void readsEveryFieldAndKeepsUnknownOnesInAttributes() {
        ActionContext c = READER.read(FULL.getBytes(StandardCharsets.UTF_8));
        assertEquals("agent:etl-bot", c.actor().id());
        assertEquals(List.of("etl"), c.actor().roles());
        assertEquals("alice@example.com", c.actor().onBehalfOf());
        assertEquals(Map.of("team", "data"), c.actor().attributes());
        assertEquals("quarterly report", c.action().intent());
        assertEquals(Map.of("tags", Map.of("cost", 12.5)), c.resource().attributes());
        assertEquals("s3://x", c.target().endpoint());
        assertEquals(OffsetDateTime.parse("2026-11-21T08:30:00Z"), c.context().time(), "rules see the time in UTC");
        assertEquals(Map.of("time_offset", "+01:00"), c.context().attributes(), "the caller's offset is kept");
        assertEquals(List.of("gdpr"), c.context().complianceTags());
        assertEquals(Map.of("ticket", "T-1", "rows", 20000, "priority", "high"), c.attributes());
    }

    @Test
    void writingAndReadingBackLosesNothing() {
        ActionContext c = READER.read(FULL.getBytes(StandardCharsets.UTF_8));
        ActionContext again = READER.read(ActionContextJson.toBytes(c));
        assertEquals(c, again);
    }

    @Test
    void theTimeIsWrittenBackAsTheCallerSentIt() {
        ActionContext c = READER.read("{\"action\": {\"name\": \"x\"}, \"context\": {\"time\": \"2026-11-21T10:30:00+08:00\", \"seat\": 2}}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(2, c.context().time().getHour());
        assertEquals(Map.of("time", "2026-11-21T10:30+08:00", "seat", 2), ActionContextJson.toTree(c).get("context"),
                "the wire form is the caller's: its offset, and no time_offset of the server's");
        ActionContext utc = READER.read("{\"action\": {\"name\": \"x\"}, \"context\": {\"time\": \"2026-11-21T02:30:00Z\"}}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("Z", utc.context().text("time_offset"));
        assertEquals(c.context().time(), utc.context().time());
        assertNotEquals(ActionContextJson.canonicalHash(c), ActionContextJson.canonicalHash(utc), "what was sent differs");
    }

    @Test
    void aNestedAttributesObjectOfAPartGivesThePartItsAttributes() {
        ActionContext c = READER.read(("{\"action\": {\"name\": \"x\", \"attributes\": {\"rows\": 3}}, \"actor\": {\"attributes\":"
                + " {\"department\": \"finance\"}, \"team\": \"a\"}, \"target\": {\"attributes\": null}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(Map.of("department", "finance", "team", "a"), c.actor().attributes());
        assertEquals(3, c.action().number("rows"));
        assertTrue(c.target().attributes().isEmpty());
        assertEquals(c, READER.read(ActionContextJson.toBytes(c)));
    }

    @Test
    void listsAnswerNullLookupsAndAbsentPartsAreNull() {
        ActionContext c = READER.read("{\"action\": {\"name\": \"x\"}, \"actor\": {\"roles\": [\"a\"]}}".getBytes(StandardCharsets.UTF_8));
        assertTrue(!c.actor().roles().contains(null));
        assertTrue(c.actor().groups().isEmpty());
        assertNull(c.resource());
        assertNull(c.target());
        assertNull(c.context());
    }

    @Test
    void canonicalHashIgnoresKeyOrderAndWhitespaceButNotValues() {
        ActionContext a = READER.read("{\"action\":{\"name\":\"x\",\"intent\":\"y\"},\"actor\":{\"id\":\"a\"}}".getBytes(StandardCharsets.UTF_8));
        ActionContext b = READER.read("{ \"actor\": {\"id\": \"a\"},\n \"action\": {\"intent\": \"y\", \"name\": \"x\"} }".getBytes(StandardCharsets.UTF_8));
        ActionContext c = READER.read("{\"action\":{\"name\":\"x\",\"intent\":\"z\"},\"actor\":{\"id\":\"a\"}}".getBytes(StandardCharsets.UTF_8));
        assertEquals(ActionContextJson.canonicalHash(a), ActionContextJson.canonicalHash(b));
        assertNotEquals(ActionContextJson.canonicalHash(a), ActionContextJson.canonicalHash(c));
        assertTrue(ActionContextJson.canonicalHash(a).matches("sha256:[0-9a-f]{64}"));
    }

    @Test
    void nestingDeeperThanTheLimitIsRejectedWithItsPath() {
        String deep = "{\"action\":{\"name\":\"x\"},\"attributes\":{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}}";
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> READER.read(deep.getBytes(StandardCharsets.UTF_8)));
        assertEquals("too_deep", e.code());
        assertTrue(e.pointer().startsWith("/attributes/a/0/0"), e.pointer());
        String veryDeep = "{\"action\":{\"name\":\"x\"},\"attributes\":{\"a\":" + "[".repeat(400) + "]".repeat(400) + "}}";
        assertEquals("too_deep", assertThrows(InvalidInputException.class,
                () -> READER.read(veryDeep.getBytes(StandardCharsets.UTF_8))).code());
    }

    @Test
    void whatIsAllowedIsReadExactlyAsSent() {
        ActionContext c = new ActionContextReader().read(("{\"action\": {\"name\": \"data.export\","
                + " \"command\": \"COPY t\\tTO 's3://x'\\n\\rGO\", \"intent\": \"report \\ud83d\\udcca\"},"
                + " \"rows\": 0.1, \"big\": 1.5e300, \"huge\": 123456789012345678901234567890, \"tiny\": 4.9e-324}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("COPY t\tTO 's3://x'\n\rGO", c.action().command(), "free text keeps tabs and line breaks");
        assertEquals("report \ud83d\udcca", c.action().intent(), "a surrogate pair is a character");
        assertEquals(0.1, c.attributes().get("rows"));
        assertEquals(1.5e300, c.attributes().get("big"));
        assertEquals(new java.math.BigInteger("123456789012345678901234567890"), c.attributes().get("huge"), "integers are exact at any size");
        assertEquals(4.9e-324, c.attributes().get("tiny"));
    }

    @Test
    void aKeyWithAControlCharacterIsRefusedWhereItIs() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new ActionContextReader().read(
                "{\"action\": {\"name\": \"x\"}, \"attributes\": {\"ok\": {\"a\\u0000b\": 1}}}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("/attributes/ok/a\u0000b", e.pointer());
        assertTrue(e.getMessage().contains("the key holds a NUL character"), e.getMessage());
    }

    @Test
    void envelopeFieldsAreReturnedBesideTheContext() {
        ActionContextReader reader = new ActionContextReader(ActionContextReader.DEFAULT_MAX_DEPTH, Set.of("approval_id"));
        ActionContextReader.Parsed p = reader.readDocument(
                "{\"action\":{\"name\":\"x\"},\"approval_id\":\"apr_1\",\"other\":1}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Map.of("approval_id", "apr_1"), p.envelope());
        assertEquals(Map.of("other", 1), p.context().attributes());
    }
}
