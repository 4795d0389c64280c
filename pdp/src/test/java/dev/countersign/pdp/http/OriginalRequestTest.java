package dev.countersign.pdp.http;

import static dev.countersign.pdp.http.ForwardAuthTest.GATEWAY;
import static dev.countersign.pdp.http.ForwardAuthTest.PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.http.ForwardAuthTest.Ask;
import dev.countersign.pdp.http.ForwardedRequestTest.PathCase;
import dev.countersign.pdp.server.RawHttp;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * How forward-auth reads the request a gateway asks about, on a real node (without clients) serving
 * the test bundle {@code gateway}: the one spelling of its path, one copy of each header that names
 * it, and {@code X-Forwarded-For} across copies. The bundle allows staff to read the whole shop and
 * denies {@code shop.example.com/admin/} and below, so a path that dodges the rule shows as an allow.
 */
class OriginalRequestTest {
    static final String STAFF = "sam@staff.example.com";
    static final String BACK_OFFICE = "the admin API is for the back office";

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

    /** The same original request, asked in each gateway's style. */
    static List<Ask> inEachStyle(String method, String uri) {
        return List.of(Ask.traefik(method, "https", "shop.example.com", uri),
                Ask.nginx(method, "shop.example.com", uri),
                Ask.envoy(HttpMethod.valueOf(method), "shop.example.com", uri));
    }

    @TestFactory
    Stream<DynamicTest> aRuleOnAPrefixCannotBeDodgedByHowThePathIsSpelt() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String uri : List.of("/admin/users", "/admin;/users", "/admin;jsessionid=1/users", "/products/..;/admin/users",
                "/products/%2e%2e;/admin/users", "/%61dmin/users", "//admin//users", "/admin/users;v=2?page=1")) {
            for (Ask ask : inEachStyle("GET", uri)) {
                tests.add(DynamicTest.dynamicTest(uri + " via " + (ask.uri().equals(PREFIX) ? ask.headers().keySet() : "the path"), () -> {
                    HttpResponse<Buffer> r = ask.with("X-Forwarded-User", STAFF).send(node);
                    assertEquals(403, r.statusCode(), r.bodyAsString());
                    assertEquals("deny", r.getHeader("X-Countersign-Verdict"));
                    assertTrue(ForwardAuthTest.reasonHeader(r).contains(BACK_OFFICE), r.getHeader("X-Countersign-Reasons"));
                    JsonObject resource = ForwardAuthTest.recorded(node, r, null).getJsonObject("input").getJsonObject("resource");
                    assertEquals("shop.example.com/admin/users", resource.getString("id"), resource.encode());
                }));
            }
        }
        tests.add(DynamicTest.dynamicTest("staff read the rest of the shop", () -> {
            for (Ask ask : inEachStyle("GET", "/products;v=2/12")) {
                HttpResponse<Buffer> r = ask.with("X-Forwarded-User", STAFF).send(node);
                assertEquals(200, r.statusCode(), r.bodyAsString());
            }
        }));
        return tests.stream();
    }

    /** Every case of {@code cases/forwarded_paths.yaml}, as Traefik asks: the path rules see, or a 400 that says why. */
    @TestFactory
    Stream<DynamicTest> theForwardedPathIsWhatTheCasesSay() throws Exception {
        return ForwardedRequestTest.pathCases().stream().map(c -> DynamicTest.dynamicTest(c.description() + ": [" + c.raw() + "]",
                () -> assertTraefikSees(c)));
    }

    private static void assertTraefikSees(PathCase c) throws Exception {
        HttpResponse<Buffer> r = Ask.traefik("GET", "https", "shop.example.com", c.raw().isEmpty() ? " " : c.raw()).send(node);
        if (c.refused() != null) {
            assertEquals(400, r.statusCode(), r.bodyAsString());
            JsonObject error = r.bodyAsJsonObject();
            assertEquals("invalid_path", error.getString("code"), error.encode());
            assertTrue(error.getString("message").contains(c.refused()), error.encode());
            assertEquals("X-Forwarded-Uri", error.getString("location"), error.encode());
            assertNull(r.getHeader("X-Countersign-Verdict"), "nothing was decided");
            return;
        }
        JsonObject resource = ForwardAuthTest.recorded(node, r, null).getJsonObject("input").getJsonObject("resource");
        assertEquals(c.path(), resource.getString("path"), resource.encode());
        if (c.raw().isEmpty()) {
            return; // a blank X-Forwarded-Uri names no URI: the request is read in Envoy's style, host and all
        }
        assertEquals("shop.example.com" + c.path(), resource.getString("id"), resource.encode());
        assertEquals(!c.path().equals(c.raw()), resource.containsKey("raw_path"), "raw_path is there when the path changed: " + resource.encode());
        if (resource.containsKey("raw_path")) {
            assertEquals(c.raw(), resource.getString("raw_path"));
        }
    }

    @TestFactory
    Stream<DynamicTest> theRefusedSpellingsAreRefusedInTheEnvoyStyleToo() {
        return Stream.of("/admin%2Fusers", "/admin%5cusers", "/admin%00", "/admin%3B/users").map(uri -> DynamicTest.dynamicTest(uri, () -> {
            HttpResponse<Buffer> r = Ask.envoy(HttpMethod.GET, "shop.example.com", uri).send(node);
            assertEquals(400, r.statusCode(), r.bodyAsString());
            assertEquals("invalid_path", r.bodyAsJsonObject().getString("code"));
            assertEquals("path", r.bodyAsJsonObject().getString("location"));
        }));
    }

    /** A request, by raw socket, whose original request is named by {@code lines}, each header line as sent. */
    static RawHttp.Response ask(String target, String... lines) throws Exception {
        try (RawHttp http = RawHttp.connect(node.server.port())) {
            return http.sendHead("GET " + target + " HTTP/1.1", lines).read();
        }
    }

    /** One header sent twice: the name, and the request (a target and its other header lines) it is sent in. */
    record Twice(String header, String target, List<String> lines) {
        static Twice traefik(String header) {
            return new Twice(header, PREFIX, List.of("Host: countersign.internal", "X-Forwarded-Method: GET",
                    "X-Forwarded-Proto: https", "X-Forwarded-Host: shop.example.com", "X-Forwarded-Uri: /products"));
        }

        static Twice nginx(String header) {
            return new Twice(header, PREFIX, List.of("Host: shop.example.com", "X-Original-Method: GET", "X-Original-URI: /products",
                    "X-Original-Host: shop.example.com", "X-Original-Proto: https"));
        }

        static Twice envoy(String header) {
            return new Twice(header, PREFIX + "/products", List.of("Host: shop.example.com"));
        }

        /** The request with a second copy of the header (a first one too, when the request has none). */
        String[] withSecondCopy() {
            List<String> all = new ArrayList<>(lines);
            String value = header.equals("X-Forwarded-Uri") || header.equals("X-Original-URI") ? "/admin"
                    : header.endsWith("Method") ? "DELETE" : header.endsWith("Host") || header.equals("Host") ? "elsewhere.example.com"
                    : header.endsWith("Proto") ? "http" : header.equals("X-Countersign-Approval-Id") ? "apr_01j0000000000000000000000"
                    : "mallory";
            if (all.stream().noneMatch(l -> l.regionMatches(true, 0, header + ":", 0, header.length() + 1))) {
                all.add(header + ": " + value.replace("mallory", "alice"));
            }
            all.add(header + ": " + value);
            return all.toArray(String[]::new);
        }
    }

    @TestFactory
    Stream<DynamicTest> aHeaderThatNamesTheRequestIsRefusedWhenSentTwice() {
        return Stream.of(
                Twice.traefik("X-Forwarded-Uri"), Twice.traefik("X-Forwarded-Method"), Twice.traefik("X-Forwarded-Host"),
                Twice.traefik("X-Forwarded-Proto"), Twice.traefik("X-Forwarded-User"), Twice.traefik("Host"),
                Twice.traefik("X-Countersign-Approval-Id"), Twice.traefik("X-Countersign-Authorization"),
                Twice.nginx("X-Original-URI"), Twice.nginx("X-Original-Method"), Twice.nginx("X-Original-Host"),
                Twice.nginx("X-Original-Proto"), Twice.nginx("Host"), Twice.nginx("X-Forwarded-User"),
                Twice.envoy("Host"), Twice.envoy("X-Forwarded-Proto"), Twice.envoy("X-Forwarded-User"),
                Twice.envoy("X-Countersign-Approval-Id")
        ).map(t -> DynamicTest.dynamicTest(t.header() + " twice, asked at " + t.target() + " with " + t.lines().get(t.lines().size() - 1),
                () -> {
                    RawHttp.Response r = ask(t.target(), t.withSecondCopy());
                    assertEquals(400, r.status(), r.body());
                    JsonObject error = r.json();
                    assertEquals("duplicate_header", error.getString("code"), error.encode());
                    assertEquals(t.header(), error.getString("location"), error.encode());
                    assertTrue(error.getString("message").contains("2 copies of " + t.header()), error.encode());
                    assertNull(r.header("X-Countersign-Verdict"), "nothing was decided");
                }));
    }

    @Test
    void aHeaderOnceIsDecidedAsBefore() throws Exception {
        RawHttp.Response r = ask(PREFIX, Twice.traefik("none").lines().toArray(String[]::new));
        assertEquals(200, r.status(), r.body());
    }

    @Test
    void forwardedForCopiesAreOneListReadFromTheRight() throws Exception {
        // The client sent its own X-Forwarded-For; the proxy added a copy with the address it saw.
        RawHttp.Response r = ask(PREFIX, "Host: countersign.internal", "X-Forwarded-Uri: /products", "X-Forwarded-Host: shop.example.com",
                "X-Forwarded-For: 198.51.100.66", "X-Forwarded-For: 203.0.113.9");
        assertEquals(200, r.status(), r.body());
        HttpResponse<Buffer> record = node.get("/v1/decisions/" + r.header("X-Countersign-Decision-Id"), null);
        JsonObject input = record.bodyAsJsonObject().getJsonObject("input");
        assertEquals("203.0.113.9", input.getJsonObject("context").getString("source_ip"), input.encode());
        assertFalse(input.getJsonObject("context").getString("source_ip").contains(","));
    }
}
