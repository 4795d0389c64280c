package dev.countersign.pdp.http;

import static dev.countersign.pdp.http.ForwardAuthTest.GATEWAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.Cidr;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.config.TrustedSource;
import dev.countersign.pdp.http.ForwardAuthTest.Ask;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateways trusted by address are principals, one per {@code forward_auth.trusted_sources} entry:
 * two replicas of Traefik calling from 127.0.0.1 and 127.0.0.2 (Linux loopback, each client bound to
 * its own address) are both {@code traefik}, so an approval asked for through one is redeemed
 * through the other, once; a gateway calling from 127.0.0.9, in another entry, is another principal.
 */
class TrustedSourcesTest {
    static final String OLGA_TOKEN = "olga-token-0123456789";

    @TempDir
    static Path dir;
    static TestNode node;
    static Vertx clients;
    static WebClient replicaA;
    static WebClient replicaB;
    static WebClient otherEntry;

    @BeforeAll
    static void start() throws Exception {
        List<ClientConfig> withOlga = new ArrayList<>(TestNode.withClients());
        withOlga.add(new ClientConfig("olga", Authenticator.sha256Hex(OLGA_TOKEN), EnumSet.of(Scope.REVIEW), "olga@example.com"));
        ServerConfig config = TestNode.config(dir, GATEWAY, withOlga, List.of())
                .withReviewers(new ReviewerDirectory(Map.of("ops", List.of(new Reviewer("olga@example.com", null, null)))))
                .withForwardAuth(new ServerConfig.ForwardAuth("X-Forwarded-User", "human", "", List.of(
                        new TrustedSource("traefik", Cidr.parse("127.0.0.0/30"), null), TrustedSource.bare("127.0.0.8/30"))));
        node = TestNode.start(config);
        clients = Vertx.vertx();
        replicaA = from("127.0.0.1");
        replicaB = from("127.0.0.2");
        otherEntry = from("127.0.0.9");
    }

    static WebClient from(String localAddress) {
        return WebClient.create(clients, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.server.port())
                .setLocalAddress(localAddress));
    }

    @AfterAll
    static void stop() throws Exception {
        clients.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        node.close();
    }

    /** The admin pages need an ops approver; the client is {@code user}, whose address the gateway puts in X-Forwarded-For. */
    static Ask adminPagesFor(String user) {
        return Ask.traefik("GET", "https", "shop.example.com", "/admin").with("X-Forwarded-User", user, "X-Forwarded-For", "203.0.113.7");
    }

    static String caller(HttpResponse<Buffer> answer) throws Exception {
        return ForwardAuthTest.recorded(node, answer, TestNode.TOKENS.get("admin")).getString("caller");
    }

    static String askAndApprove(Ask ask, WebClient through) throws Exception {
        HttpResponse<Buffer> held = ask.send(through);
        assertEquals(403, held.statusCode(), held.bodyAsString());
        assertEquals("needs_approval", held.getHeader("X-Countersign-Verdict"));
        String id = held.getHeader("X-Countersign-Approval");
        assertNotNull(id);
        HttpResponse<Buffer> vote = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", OLGA_TOKEN);
        assertEquals(200, vote.statusCode(), vote.bodyAsString());
        assertEquals("approved", vote.bodyAsJsonObject().getString("status"));
        return id;
    }

    @Test
    void anApprovalAskedThroughOneReplicaIsRedeemedThroughAnotherOnce() throws Exception {
        Ask ask = adminPagesFor("alice@example.com");
        HttpResponse<Buffer> first = ask.send(replicaA);
        String id = first.getHeader("X-Countersign-Approval");
        assertEquals("traefik", caller(first), "the caller is the entry, not the replica's address");
        HttpResponse<Buffer> again = ask.send(replicaB);
        assertEquals(id, again.getHeader("X-Countersign-Approval"), "the other replica's ask is the same ask");
        assertEquals("traefik", caller(again));

        assertEquals(id, askAndApprove(ask, replicaA));
        Ask redeem = ask.with("X-Countersign-Approval-Id", id);
        HttpResponse<Buffer> allowed = redeem.send(replicaB);
        assertEquals(200, allowed.statusCode(), allowed.bodyAsString());
        assertEquals("allow", allowed.getHeader("X-Countersign-Verdict"));
        assertTrue(ForwardAuthTest.reasonHeader(allowed).contains("approval"), allowed.getHeader("X-Countersign-Reasons"));

        HttpResponse<Buffer> third = redeem.send(replicaA);
        assertEquals(403, third.statusCode(), third.bodyAsString());
        assertEquals("deny", third.getHeader("X-Countersign-Verdict"));
        String why = third.bodyAsJsonObject().getJsonArray("reasons").getJsonObject(0).getString("message");
        assertTrue(why.contains("already used"), why);
    }

    @Test
    void aGatewayInAnotherEntryIsAnotherPrincipal() throws Exception {
        Ask ask = adminPagesFor("bob@example.com");
        String id = askAndApprove(ask, replicaA);
        HttpResponse<Buffer> elsewhere = ask.with("X-Countersign-Approval-Id", id).send(otherEntry);
        assertEquals(403, elsewhere.statusCode(), elsewhere.bodyAsString());
        assertEquals("trusted:127.0.0.8/30", caller(elsewhere), "a bare entry's principal is named after its block");
        String why = elsewhere.bodyAsJsonObject().getJsonArray("reasons").getJsonObject(0).getString("message");
        assertEquals("approval " + id + " is unknown", why, "another principal learns nothing of it");

        HttpResponse<Buffer> byTraefik = ask.with("X-Countersign-Approval-Id", id).send(replicaB);
        assertEquals(200, byTraefik.statusCode(), "the grant is still traefik's: " + byTraefik.bodyAsString());
    }

    @Test
    void aTokenNamesItsClientWhateverAddressItComesFrom() throws Exception {
        HttpResponse<Buffer> r = Ask.traefik("GET", "https", "shop.example.com", "/products")
                .with("X-Countersign-Authorization", "Bearer " + TestNode.TOKENS.get("gateway")).send(replicaB);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("gateway", caller(r));
    }

    @Test
    void anAddressInNoEntryIsNotTrusted() throws Exception {
        HttpResponse<Buffer> r = Ask.traefik("GET", "https", "shop.example.com", "/products").send(from("127.0.0.5"));
        assertEquals(401, r.statusCode(), r.bodyAsString());
        JsonObject error = r.bodyAsJsonObject();
        assertEquals("unauthorized", error.getString("code"));
    }
}
