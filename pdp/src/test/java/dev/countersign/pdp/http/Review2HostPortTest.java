package dev.countersign.pdp.http;

import static dev.countersign.pdp.http.ForwardAuthTest.GATEWAY;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Security review 2, gateway finding (reproduction; FAILS while open). The README promises rules see
 * the host "in lower case, without its port". {@code OriginalRequest.hostOf} drops the port only when
 * Vert.x's {@code HostAndPort.parseAuthority} accepts the authority; for a port it does not accept
 * (not a number, or over 65535) it keeps the raw text, port and all. A Go router such as Traefik strips
 * any port with {@code net.SplitHostPort}, which accepts both, so (unverified against a running
 * Traefik) such a request is routed to shop.example.com while rules see "shop.example.com:abc": a
 * deny on {@code id.startsWith("shop.example.com/admin/")} or on {@code attributes["host"]} no longer
 * matches, and an allow that does not name the host then wins.
 */
class Review2HostPortTest {
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
}
