package dev.countersign.connectors.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Escaping and cutting caller strings for mrkdwn, from {@code cases/mrkdwn.json}. */
class MrkdwnTest {
    @TestFactory
    Stream<DynamicTest> stringsAreEscapedAndCutAsTheCasesSay() throws Exception {
        JsonNode cases;
        try (InputStream in = MrkdwnTest.class.getResourceAsStream("/cases/mrkdwn.json")) {
            cases = new ObjectMapper().readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            int max = c.path("max").asInt(0);
            String out = c.path("out").asText();
            tests.add(dynamicTest(c.path("description").asText(), () -> {
                String actual;
                if (c.has("line")) {
                    actual = Mrkdwn.line(c.path("line").asText());
                } else if (c.has("lines")) {
                    actual = Mrkdwn.lines(c.path("lines").asText());
                } else if (c.has("fit")) {
                    actual = Mrkdwn.fit(c.path("fit").asText(), max);
                } else if (c.has("code")) {
                    actual = Mrkdwn.code(c.path("code").asText(), max);
                } else {
                    actual = Mrkdwn.codeBlock(c.path("codeBlock").asText(), max);
                }
                assertEquals(out, actual);
            }));
        }
        return tests.stream();
    }
}
