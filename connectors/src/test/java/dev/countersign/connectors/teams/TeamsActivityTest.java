package dev.countersign.connectors.teams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Activities read into votes, refreshes, ignored activities or refusals, as
 * {@code cases/teams-activities.json} says. A case names a base activity of the file and the
 * changes to it ({@code set} by JSON pointer, {@code remove}), or gives a {@code raw} body; what it
 * expects names the kind and the fields to compare (a refusal's or an ignored activity's reason is
 * a fragment). {@code {"repeat": s, "times": n}} stands for {@code s} repeated {@code n} times.
 */
class TeamsActivityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Class<? extends TeamsInteraction>> KINDS = Map.of("vote", TeamsVote.class, "refresh", CardRefresh.class,
            "ignored", IgnoredActivity.class, "refused", TeamsRefusal.class);

    @TestFactory
    Stream<DynamicTest> activitiesAreReadAsTheCasesSay() throws Exception {
        JsonNode file;
        try (InputStream in = TeamsActivityTest.class.getResourceAsStream("/cases/teams-activities.json")) {
            file = JSON.readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : file.path("cases")) {
            tests.add(dynamicTest(c.path("description").asText(), () -> {
                TeamsInteraction got = interpret(body(file.path("bases"), c));
                expect(c.path("expect"), got);
            }));
        }
        assertTrue(tests.size() >= 40, "the cases file was not read whole");
        return tests.stream();
    }

    @Test
    void theActivityExposesWhatWasReadAndKeepsTheTenantOnlyWhenUnambiguous() throws Exception {
        ObjectNode a = (ObjectNode) JSON.readTree(TeamsActivityTest.class.getResourceAsStream("/cases/teams-activities.json"))
                .path("bases").path("execute");
        TeamsActivity read = assertInstanceOf(TeamsActivity.class, TeamsActivity.read(Buffer.buffer(a.toString())));
        assertEquals("invoke", read.type());
        assertEquals("adaptiveCard/action", read.name());
        assertEquals("msteams", read.channelId());
        assertEquals("0c6f1d2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5", read.tenantId());
        ((ObjectNode) a.path("channelData").path("tenant")).put("id", TeamsActivitySender.OTHER_TENANT_ID);
        TeamsActivity disagreeing = (TeamsActivity) TeamsActivity.read(Buffer.buffer(a.toString()));
        assertTrue(disagreeing.tenantsDisagree());
        assertNull(disagreeing.tenantId());
    }

    private static TeamsInteraction interpret(Buffer body) {
        ActivityReading read = TeamsActivity.read(body);
        return read instanceof TeamsActivity ? ((TeamsActivity) read).meaning() : (TeamsRefusal) read;
    }

    private static Buffer body(JsonNode bases, JsonNode c) {
        if (c.has("raw")) {
            return Buffer.buffer(expanded(c.get("raw")).asText().getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode activity = (ObjectNode) bases.path(c.path("base").asText()).deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("set").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String pointer = e.getKey();
            ObjectNode parent = (ObjectNode) activity.at(pointer.substring(0, pointer.lastIndexOf('/')));
            parent.set(pointer.substring(pointer.lastIndexOf('/') + 1), expanded(e.getValue()));
        }
        for (JsonNode pointer : c.path("remove")) {
            String p = pointer.asText();
            ((ObjectNode) activity.at(p.substring(0, p.lastIndexOf('/')))).remove(p.substring(p.lastIndexOf('/') + 1));
        }
        return Buffer.buffer(activity.toString());
    }

    private static JsonNode expanded(JsonNode v) {
        if (v.isObject() && v.has("repeat") && v.has("times") && v.size() == 2) {
            return TextNode.valueOf(v.get("repeat").asText().repeat(v.get("times").asInt()));
        }
        return v;
    }

    private static void expect(JsonNode expected, TeamsInteraction got) throws Exception {
        Class<? extends TeamsInteraction> kind = KINDS.get(expected.path("kind").asText());
        assertInstanceOf(kind, got, "read as " + got);
        boolean fragments = got instanceof TeamsRefusal || got instanceof IgnoredActivity;
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("kind")) {
                continue;
            }
            Object actual = component(got, e.getKey());
            JsonNode want = expanded(e.getValue());
            if (want.isNull()) {
                assertNull(actual, e.getKey() + " of " + got);
            } else if (fragments && e.getKey().equals("reason")) {
                assertTrue(String.valueOf(actual).contains(want.asText()), e.getKey() + ": " + actual);
            } else if (want.isBoolean()) {
                assertEquals(want.asBoolean(), actual, e.getKey());
            } else if (want.isInt()) {
                assertEquals(want.asInt(), actual, e.getKey());
            } else {
                assertEquals(want.asText(), actual instanceof Enum ? ((Enum<?>) actual).name() : actual, e.getKey());
            }
        }
    }

    private static Object component(Object record, String name) throws Exception {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            if (c.getName().equals(name)) {
                return c.getAccessor().invoke(record);
            }
        }
        throw new AssertionError(record.getClass().getSimpleName() + " has no " + name);
    }
}
