package dev.countersign.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.countersign.connectors.slack.SlackConnector;
import dev.countersign.connectors.slack.SlackSettings;
import dev.countersign.connectors.webhook.WebhookConnector;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/** Route targets, from {@code cases/destinations.json}: what each connector accepts, and what it says about the rest. */
@ExtendWith(VertxExtension.class)
class DestinationTest {
    @TestFactory
    Stream<DynamicTest> routeTargetsAreCheckedAsTheCasesSay(Vertx vertx) throws Exception {
        SlackConnector slack = new SlackConnector(vertx, SlackSettings.of(Secret.of("xoxb-test")));
        WebhookConnector webhook = new WebhookConnector(vertx, Secret.of("s"), url -> Future.failedFuture(new IllegalStateException()));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases()) {
            String spec = c.path("spec").asText();
            String kind = c.has("connector") ? c.path("connector").asText() : Destination.kindOf(spec);
            Connector connector = kind.equals("slack") ? slack : webhook;
            tests.add(dynamicTest(c.path("description").asText(), () -> {
                if (c.has("error")) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> connector.destination(spec));
                    assertEquals(c.path("error").asText(), e.getMessage());
                } else {
                    assertEquals(new Destination(kind, c.path("target").asText()), connector.destination(spec));
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void aSpecWithoutAKindIsRefused() {
        assertEquals("slack", Destination.kindOf("slack:C0SECURITY"));
        assertThrows(IllegalArgumentException.class, () -> Destination.kindOf("C0SECURITY"));
        assertThrows(IllegalArgumentException.class, () -> Destination.kindOf(":C0SECURITY"));
        assertThrows(IllegalArgumentException.class, () -> new Destination("Slack", "C0SECURITY"));
    }

    private static JsonNode cases() throws Exception {
        try (InputStream in = DestinationTest.class.getResourceAsStream("/cases/destinations.json")) {
            return new ObjectMapper().readTree(in);
        }
    }
}
