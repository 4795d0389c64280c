package dev.countersign.connectors.teams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The answers to an invoke, to the byte as Teams reads them. */
class InvokeResponsesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aCardAnswerCarriesTheCardAsItsValue() throws Exception {
        ObjectNode card = (ObjectNode) JSON.readTree("{\"type\":\"AdaptiveCard\",\"version\":\"1.5\",\"body\":[{\"type\":\"TextBlock\",\"text\":\"Approved\"}]}");
        InvokeResponse answer = InvokeResponses.card(card);
        card.put("version", "1.0");   // a later change to the caller's card is not sent
        assertEquals(200, answer.status());
        assertEquals("{\"statusCode\":200,\"type\":\"application/vnd.microsoft.card.adaptive\",\"value\":{\"type\":\"AdaptiveCard\","
                + "\"version\":\"1.5\",\"body\":[{\"type\":\"TextBlock\",\"text\":\"Approved\"}]}}", answer.toBuffer().toString(StandardCharsets.UTF_8));
    }

    @Test
    void anErrorAnswerCarriesItsCodeAndMessageAndItsStatusIsTheHttpStatus() {
        InvokeResponse answer = InvokeResponses.badRequest("unknown_verb", "the verb \"escalate\" is not approve, deny or refresh");
        assertEquals(400, answer.status());
        assertEquals("{\"statusCode\":400,\"type\":\"application/vnd.microsoft.error\",\"value\":{\"code\":\"unknown_verb\","
                + "\"message\":\"the verb \\\"escalate\\\" is not approve, deny or refresh\"}}", answer.toBuffer().toString(StandardCharsets.UTF_8));
        assertEquals(403, InvokeResponses.error(403, "forbidden", "another tenant").body().path("statusCode").asInt());
    }

    @Test
    void aMessageAnswerCarriesItsText() {
        InvokeResponse answer = InvokeResponses.message("You already voted.");
        assertEquals("{\"statusCode\":200,\"type\":\"application/vnd.microsoft.activity.message\",\"value\":\"You already voted.\"}",
                answer.toBuffer().toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRefusalAnswersWithItsOwnStatusCodeAndReason() {
        InvokeResponse answer = new TeamsRefusal(401, "unauthorized", "no Authorization header").invokeResponse();
        assertEquals(401, answer.status());
        JsonNode value = answer.body().path("value");
        assertEquals("unauthorized", value.path("code").asText());
        assertEquals("no Authorization header", value.path("message").asText());
    }

    @Test
    void aLongMessageIsCutAndWrongInputIsRefused() {
        String message = InvokeResponses.error(400, "x", "m".repeat(5000)).body().path("value").path("message").asText();
        assertEquals(InvokeResponses.MAX_TEXT + 1, message.length());
        assertTrue(message.endsWith("…"));
        assertThrows(IllegalArgumentException.class, () -> InvokeResponses.error(200, "ok", "not an error"));
        assertThrows(IllegalArgumentException.class, () -> InvokeResponses.error(302, "moved", "not an error"));
        assertThrows(IllegalArgumentException.class, () -> InvokeResponses.card(JSON.getNodeFactory().arrayNode()));
        assertThrows(IllegalArgumentException.class, () -> InvokeResponses.card(null));
    }
}
