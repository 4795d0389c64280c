package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.ServerConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint given bad requests ({@code corpus/bad_requests.yaml}): each is answered below 500,
 * a 4xx with a JSON {@code code} and {@code message} naming the problem, and the node answers
 * {@code /health} after each.
 */
class BadRequestCorpusTest {
    static final Path CORPUS = Path.of("src/test/resources/corpus/bad_requests.yaml");

    @TempDir
    static Path dir;
    static TestNode node;
    static String approval;
    static String decision;

    /** A node with clients of every scope, the approvals bundle, callbacks to 127.0.0.1 only, and carol reviewing data-governance. */
    static TestNode startNode(Path dir) throws Exception {
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/approvals"), TestNode.withClients(), List.of())
                .withReviewers(new ReviewerDirectory(Map.of("data-governance", List.of(new Reviewer("carol@example.com", null, null)))))
                .withApprovals(new ServerConfig.Approvals("callback-secret-0123456789", Duration.ofSeconds(30), Duration.ofMillis(200),
                        List.of("127.0.0.1")));
        return TestNode.start(config);
    }

    /** The id of a pending approval of data-governance, asked for by gateway. */
    static String hold(TestNode node) throws Exception {
        HttpResponse<Buffer> held = node.post("/v1/decisions", "{\"actor\": {\"id\": \"agent:etl\", \"type\": \"agent\"},"
                + " \"action\": {\"name\": \"data.export\"}, \"resource\": {\"environment\": \"production\"}}", TestNode.TOKENS.get("gateway"));
        assertEquals(200, held.statusCode(), held.bodyAsString());
        return held.bodyAsJsonObject().getJsonObject("approval").getString("id");
    }

    @BeforeAll
    static void start() throws Exception {
        node = startNode(dir);
        approval = hold(node);
        HttpResponse<Buffer> read = node.post("/v1/decisions", "{\"action\": {\"name\": \"data.read\"}}", TestNode.TOKENS.get("gateway"));
        assertEquals(200, read.statusCode(), read.bodyAsString());
        decision = read.bodyAsJsonObject().getString("decision_id");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            assertEquals(200, node.get("/health/ready", null).statusCode(), "the node is still ready after the corpus");
            node.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyBadRequestIsA4xxNamingTheProblemAndTheNodeStaysUp() throws Exception {
        List<BadRequests.Case> cases = BadRequests.load(CORPUS, s -> s.replace("{approval}", approval).replace("{decision}", decision));
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            BadRequests.check(c, BadRequests.send(node.client, node.server.port(), c));
            BadRequests.assertAlive(node.server.port());
        }));
    }
}
