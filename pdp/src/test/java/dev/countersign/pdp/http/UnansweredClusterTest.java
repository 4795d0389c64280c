package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import com.hazelcast.spi.exception.WrongTargetException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A call on shared state that the cluster did not answer, as Hazelcast fails it while the member
 * holding the entry is stopped, leaves, or is not (yet) the entry's holder, is answered 503
 * {@code cluster_unavailable} with Retry-After by the API's failure handler, saying whether the change
 * may have been made, and never 500: each route below fails its request with the real exception type,
 * bare or wrapped as a stage's failure is.
 */
class UnansweredClusterTest {
    static final Map<String, Supplier<Throwable>> FAILURES = Map.of(
            "timed-out", () -> new CompletionException(new OperationTimeoutException("No response for 120000 ms. Aborting invocation!")),
            "member-left", () -> new CompletionException(new MemberLeftException("Member [127.0.0.1]:5703 has left cluster!")),
            "disconnected", () -> new TargetDisconnectedException("Connection closed by the other side"),
            "not-member", () -> new CompletionException(new ExecutionException(new TargetNotMemberException("Not Member! target: [127.0.0.1]:5703"))),
            "wrong-target", () -> new WrongTargetException("WrongTarget! partitionId: 7, replicaIndex: 0, operation: EntryOperation"),
            "not-active", () -> new HazelcastInstanceNotActiveException(),
            "other", () -> new IllegalStateException("a fault of this node"));

    static Vertx vertx;
    static HttpServer server;
    static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        FAILURES.forEach((name, failure) -> router.post("/" + name).handler(ctx -> ctx.fail(failure.get())));
        router.route().failureHandler(ApiRouter::failed);
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static HttpResponse<String> post(String name) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/" + name))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUnansweredCallThatMayHaveRunIsUnavailableAndSaysSo() throws Exception {
        for (String name : new String[] {"timed-out", "member-left", "disconnected"}) {
            HttpResponse<String> r = post(name);
            assertEquals(503, r.statusCode(), name + ": " + r.body());
            assertEquals("5", r.headers().firstValue("Retry-After").orElse(null), name);
            JsonObject body = new JsonObject(r.body());
            assertEquals("cluster_unavailable", body.getString("code"), name + ": " + r.body());
            assertTrue(body.getString("message").contains("may or may not have been made"), name + ": " + r.body());
        }
    }

    @Test
    void anUnansweredCallRefusedBeforeItRanIsUnavailableAndChangedNothing() throws Exception {
        for (String name : new String[] {"not-member", "wrong-target"}) {
            HttpResponse<String> r = post(name);
            assertEquals(503, r.statusCode(), name + ": " + r.body());
            assertEquals("5", r.headers().firstValue("Retry-After").orElse(null), name);
            JsonObject body = new JsonObject(r.body());
            assertEquals("cluster_unavailable", body.getString("code"), name + ": " + r.body());
            assertTrue(body.getString("message").contains("nothing was changed"), name + ": " + r.body());
        }
    }

    @Test
    void aNodeThatLeftItsClusterStillSaysSoAndAnotherFailureIsInternal() throws Exception {
        HttpResponse<String> left = post("not-active");
        assertEquals(503, left.statusCode(), left.body());
        assertTrue(new JsonObject(left.body()).getString("message").contains("this node has left its cluster"), left.body());
        HttpResponse<String> other = post("other");
        assertEquals(500, other.statusCode(), other.body());
        assertEquals("internal", new JsonObject(other.body()).getString("code"), other.body());
    }
}
