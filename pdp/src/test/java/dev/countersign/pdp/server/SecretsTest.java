package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Secrets never leave: after a node has served decisions, holds, votes, a signed callback, refused
 * requests (a secret sent as a token, malformed input), a rejected reload and a stop, no client token,
 * the callback secret or the cluster secret is in its logs, metrics, readiness, policies, error
 * answers, audit log or any file it wrote (the file that keeps a single node's own secret aside).
 */
class SecretsTest {
    static final String GATEWAY = "gw-secret-token-" + UUID.randomUUID();
    static final String CAROL = "carol-secret-token-" + UUID.randomUUID();
    static final String ADMIN = "admin-secret-token-" + UUID.randomUUID();
    static final String DAN = "dan-secret-token-" + UUID.randomUUID();
    static final String CALLBACK_SECRET = "callback-secret-" + UUID.randomUUID();
    static final String CLUSTER_SECRET = "cluster-secret-" + UUID.randomUUID();

    @TempDir
    Path dir;

    /** Every log event of the node, as written (message, arguments and stack traces). */
    static final class Captured extends AppenderBase<ILoggingEvent> {
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(ILoggingEvent e) {
            lines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
    }

    @Test
    void noSecretIsWrittenOrAnsweredAnywhere() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Captured logs = new Captured();
        logs.setContext(root.getLoggerContext());
        logs.start();
        root.addAppender(logs);
        ch.qos.logback.classic.Level before = root.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("dev.countersign")).setLevel(ch.qos.logback.classic.Level.DEBUG);
        Vertx receiverVertx = Vertx.vertx();
        List<String> answers = new ArrayList<>();
        try {
            HttpServer receiver = receiverVertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> r.response().setStatusCode(204).end()))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/approvals"), List.of(
                            new ClientConfig("gateway", Authenticator.sha256Hex(GATEWAY), EnumSet.of(Scope.DECIDE), null),
                            new ClientConfig("carol", Authenticator.sha256Hex(CAROL), EnumSet.of(Scope.REVIEW), "carol@example.com"),
                            new ClientConfig("dan", Authenticator.sha256Hex(DAN), EnumSet.of(Scope.REVIEW), "dan@example.com"),
                            new ClientConfig("admin", Authenticator.sha256Hex(ADMIN), EnumSet.of(Scope.ADMIN), null)), List.of())
                    .withReviewers(new ReviewerDirectory(Map.of("security", List.of(new Reviewer("carol@example.com", null, null),
                            new Reviewer("dan@example.com", null, null)))))
                    .withApprovals(new ServerConfig.Approvals(CALLBACK_SECRET, Duration.ofSeconds(30), Duration.ofMillis(100),
                            List.of("127.0.0.1")));
            ClusterSettings single = config.cluster();
            config = config.withCluster(single.withSecret(ClusterSecret.of(CLUSTER_SECRET + "-0123456789")));
            try (TestNode node = TestNode.start(config)) {
                String grant = "{\"actor\": {\"id\": \"frank\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                        + " \"callback_url\": \"http://127.0.0.1:" + receiver.actualPort() + "/hook\"}";
                var held = node.post("/v1/decisions", grant, GATEWAY);
                answers.add(held.bodyAsString());
                String id = held.bodyAsJsonObject().getJsonObject("approval").getString("id");
                answers.add(node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\", \"comment\": \"ok\"}", CAROL).bodyAsString());
                answers.add(node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", DAN).bodyAsString());
                for (String token : List.of(CALLBACK_SECRET, CLUSTER_SECRET, GATEWAY + "x")) {
                    var refused = node.post("/v1/decisions", "{\"action\": {\"name\": \"data.read\"}}", token);
                    assertEquals(401, refused.statusCode());
                    answers.add(refused.bodyAsString() + refused.headers());
                    answers.add(node.get("/v1/policies", token).bodyAsString());
                }
                answers.add(node.post("/v1/decisions", "{\"action\": ", GATEWAY).bodyAsString());
                answers.add(node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", GATEWAY).bodyAsString());
                Files.writeString(node.bundle.resolve("approvals.drl"), "package approvals\nrule \"broken\" when then allw(\"x\"); end\n");
                answers.add(node.post("/v1/policies/reload", "", ADMIN).bodyAsString());
                Thread.sleep(500);   // the callback is sent by the sweep
                answers.add(node.get("/v1/policies", ADMIN).bodyAsString());
                answers.add(node.get("/metrics", null).bodyAsString());
                answers.add(node.get("/health/ready", null).bodyAsString());
                answers.add(node.get("/v1/approvals/" + id, CAROL).bodyAsString());
                answers.add(config.toString());
            }
            List<String> written = new ArrayList<>();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    if (!f.getFileName().toString().equals("cluster.secret")) {
                        written.add(f + ":\n" + Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
                    }
                }
            }
            assertTrue(logs.lines.stream().anyMatch(l -> l.contains("listening on")), "the node's log was captured: " + logs.lines);
            assertTrue(written.stream().anyMatch(w -> w.contains("\"event\":\"approved\"")), "the audit log was written");
            for (String secret : List.of(GATEWAY, CAROL, DAN, ADMIN, CALLBACK_SECRET, CLUSTER_SECRET)) {
                for (String where : List.of("logs", "answers", "files")) {
                    List<String> texts = switch (where) {
                        case "logs" -> List.copyOf(logs.lines);
                        case "answers" -> answers;
                        default -> written;
                    };
                    for (String text : texts) {
                        assertTrue(!text.contains(secret), "a secret (" + secret.substring(0, 6) + "...) is in the " + where + ": " + text);
                    }
                }
            }
        } finally {
            root.detachAppender(logs);
            root.setLevel(before);
            ((Logger) LoggerFactory.getLogger("dev.countersign")).setLevel(null);
            receiverVertx.close();
        }
    }
}
