package dev.countersign.pdp.chat;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A destination its connector cannot use stops the node from starting, naming the key it was read
 * from and what is wrong with it, instead of a node that accepts holds it can never show anyone.
 * Only the kind of a destination is checked when the configuration is read; its form is the connector's.
 */
class DestinationAtStartTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            routes          | slack:#general                        | routes.security[0]: slack:#general is not a channel id
            routes          | slack:general                         | routes.security[0]: slack:general is not a channel id
            routes          | slack:c0security                      | routes.security[0]: slack:c0security is not an id: Slack's ids are upper case
            routes          | slack:                                | routes.security[0]: slack: names no channel
            routes          | slack:@carol                          | routes.security[0]: slack:@carol is not a user id
            routes          | webhook:https://ops:hunter2@hooks.example.com/x | routes.security[0]: the webhook URL https://…@hooks.example.com carries credentials
            routes          | webhook:ftp://hooks.example.com/x     | routes.security[0]: the webhook URL is not an http or https URL
            escalation      | slack:#security-leads                 | reminders.escalate_to.security[0]: slack:#security-leads is not a channel id
            """)
    void aDestinationTheConnectorRefusesStopsTheStart(String where, String destination, String message) throws Exception {
        ChatSettings chat = new ChatSettings(new ChatSettings.Slack("xoxb-start-test", "signing-secret-0123456789", "http://127.0.0.1:9/api",
                "T0START"), new ChatSettings.Webhook("webhook-secret-0123456789", List.of()),
                where.equals("routes") ? Map.of("security", List.of(destination)) : Map.of("security", List.of("slack:C0SECURITY")),
                where.equals("routes") ? ChatSettings.Reminders.NONE
                        : new ChatSettings.Reminders(java.time.Duration.ofMinutes(15), null, Map.of("security", List.of(destination))),
                "https://countersign.example.com");
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/approvals"), TestNode.withClients(), List.of())
                .withChat(chat);
        ExecutionException e = assertThrows(ExecutionException.class, () -> TestNode.start(config).close());
        String shown = e.getCause().getMessage();
        assertTrue(shown.contains("the configuration names a destination that cannot be used"), shown);
        assertTrue(shown.contains(message), shown);
        assertTrue(!shown.contains("hunter2"), "a URL's credentials are never quoted: " + shown);
    }
}
