package dev.countersign.pdp.http;

import static dev.countersign.pdp.http.ForwardAuthTest.GATEWAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.http.ForwardAuthTest.Ask;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules see the original request's host "in lower case, without its port", whatever the port. Vert.x's
 * {@code HostAndPort.parseAuthority} accepts no port that is not a number up to 65535, while a Go
 * router such as Traefik strips any port ({@code net.SplitHostPort}): before, such a request was
 * routed to shop.example.com while rules saw "shop.example.com:abc", so a deny on
 * {@code id.startsWith("shop.example.com/admin/")} no longer matched (found by the second security
 * review). A host that is no host even without its port is refused with 400, naming the header.
 */
class ForwardedHostPortTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir, GATEWAY, List.of(), List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @TestFactory
    Stream<DynamicTest> theHostIsSeenWithoutItsPortWhateverThePort() {
        return Stream.of("shop.example.com:abc", "shop.example.com:99999", "SHOP.example.com.:65536").map(host ->
                DynamicTest.dynamicTest(host, () -> {
                    HttpResponse<Buffer> r = Ask.traefik("GET", "https", host, "/admin/users")
                            .with("X-Forwarded-User", OriginalRequestTest.STAFF).send(node);
                    JsonObject resource = ForwardAuthTest.recorded(node, r, null).getJsonObject("input").getJsonObject("resource");
                    assertEquals("shop.example.com/admin/users", resource.getString("id"), "status " + r.statusCode() + ", " + resource.encode());
                }));
    }

    @TestFactory
    Stream<DynamicTest> aHostThatIsNoHostWithoutItsPortIsRefusedNamingTheHeader() {
        return Stream.of("shop example.com:abc", "shop.example.com:80:80", "[::1:80", "a/b.example.com").map(host ->
                DynamicTest.dynamicTest(host, () -> {
                    HttpResponse<Buffer> r = Ask.traefik("GET", "https", host, "/admin/users")
                            .with("X-Forwarded-User", OriginalRequestTest.STAFF).send(node);
                    assertEquals(400, r.statusCode(), r.bodyAsString());
                    JsonObject body = r.bodyAsJsonObject();
                    assertEquals("invalid_host", body.getString("code"), body.encode());
                    assertEquals("X-Forwarded-Host", body.getString("location"), body.encode());
                    assertTrue(body.getString("message").startsWith("X-Forwarded-Host: \"" + host + "\" is not a host name"), body.encode());
                }));
    }
}
