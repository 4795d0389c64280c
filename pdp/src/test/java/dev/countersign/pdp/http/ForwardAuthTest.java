package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.config.TrustedSource;
import dev.countersign.pdp.server.RawHttp;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forward-auth at {@code /v1/authz/forward} on real nodes serving the test bundle {@code gateway}
 * (packages {@code http}, {@code http.admin} and the sibling {@code httpbin}), asked the way Traefik,
 * NGINX {@code auth_request} and Envoy's ext_authz HTTP service ask.
 */
class ForwardAuthTest {
    static final Path GATEWAY = Path.of("src/test/resources/bundles/gateway");
    static final String PREFIX = "/v1/authz/forward";

    /** One request to forward-auth: its method, URI, Host, headers. */
    record Ask(HttpMethod method, String uri, String host, Map<String, String> headers) {
        static Ask traefik(String method, String proto, String host, String uri) {
            return new Ask(HttpMethod.GET, PREFIX, null, pairs("X-Forwarded-Method", method, "X-Forwarded-Proto", proto,
                    "X-Forwarded-Host", host, "X-Forwarded-Uri", uri));
        }

        static Ask nginx(String method, String host, String uri) {
            return new Ask(HttpMethod.GET, PREFIX, host, pairs("X-Original-Method", method, "X-Original-URI", uri));
        }

        static Ask envoy(HttpMethod method, String host, String originalUri) {
            return new Ask(method, PREFIX + originalUri, host, pairs());
        }

        Ask with(String... more) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.putAll(pairs(more));
            return new Ask(method, uri, host, all);
        }

        HttpResponse<Buffer> send(TestNode node) throws Exception {
            return send(node.client);
        }

        HttpResponse<Buffer> send(WebClient client) throws Exception {
            HttpRequest<Buffer> request = client.request(method, uri);
            if (host != null) {
                request.virtualHost(host);
            }
            headers.forEach(request::putHeader);
            return request.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    static Map<String, String> pairs(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** The recorded decision behind a forward-auth answer, read back with {@code token} (null on a node without clients). */
    static JsonObject recorded(TestNode node, HttpResponse<Buffer> answer, String token) throws Exception {
        String id = answer.getHeader("X-Countersign-Decision-Id");
        assertNotNull(id, "every decided answer names its decision");
        HttpResponse<Buffer> record = node.get("/v1/decisions/" + id, token);
        assertEquals(200, record.statusCode(), record.bodyAsString());
        return record.bodyAsJsonObject();
    }

    static List<String> reasonHeader(HttpResponse<Buffer> r) {
        String header = r.getHeader("X-Countersign-Reasons");
        assertNotNull(header, "the reasons header is on every decided answer");
        return Arrays.stream(header.split(",")).map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
    }

    /** A node without clients: every loopback caller may ask. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class EachHeaderStyle {
        TestNode node;

        @BeforeAll
        void start(@TempDir Path dir) throws Exception {
            node = TestNode.start(TestNode.config(dir, GATEWAY, List.of(), List.of()));
        }

        @AfterAll
        void stop() throws Exception {
            node.close();
        }

        /** A request in one gateway's style and the action context and answer it must come to. */
        record Mapping(String description, Ask ask, int status, String verdict, String action, String resource,
                       Map<String, String> attributes) {
        }

        @TestFactory
        Stream<DynamicTest> theOriginalRequestBecomesTheActionContext() {
            return Stream.of(
                    new Mapping("Traefik: a public page, with its query", Ask.traefik("GET", "https", "shop.example.com", "/products?page=2"),
                            200, "allow", "http.get", "shop.example.com/products",
                            pairs("host", "shop.example.com", "path", "/products", "query", "page=2", "scheme", "https")),
                    new Mapping("Traefik: a delete", Ask.traefik("DELETE", "https", "shop.example.com", "/products/12"),
                            403, "deny", "http.delete", "shop.example.com/products/12",
                            pairs("host", "shop.example.com", "path", "/products/12", "scheme", "https")),
                    new Mapping("Traefik: the admin pages, held", Ask.traefik("GET", "https", "shop.example.com", "/admin"),
                            403, "needs_approval", "http.get", "shop.example.com/admin", pairs("path", "/admin")),
                    new Mapping("Traefik: an order over plain http", Ask.traefik("POST", "http", "shop.example.com", "/orders")
                            .with("X-Forwarded-User", "alice"),
                            403, "deny", "http.post", "shop.example.com/orders", pairs("scheme", "http")),
                    new Mapping("NGINX: an order, host from Host", Ask.nginx("POST", "shop.example.com", "/orders?coupon=SPRING")
                            .with("X-Forwarded-User", "alice"),
                            200, "allow", "http.post", "shop.example.com/orders",
                            pairs("host", "shop.example.com", "path", "/orders", "query", "coupon=SPRING")),
                    new Mapping("NGINX: host from X-Original-Host", Ask.nginx("DELETE", "countersign.internal", "/orders/7")
                            .with("X-Original-Host", "shop.example.com"),
                            403, "deny", "http.delete", "shop.example.com/orders/7", pairs("host", "shop.example.com", "path", "/orders/7")),
                    new Mapping("NGINX: without X-Original-Method, the method of the request",
                            new Ask(HttpMethod.GET, PREFIX, "shop.example.com", pairs("X-Original-URI", "/products")),
                            200, "allow", "http.get", "shop.example.com/products", pairs("path", "/products")),
                    new Mapping("Envoy: the method, and the path after the prefix", Ask.envoy(HttpMethod.POST, "shop.example.com",
                            "/orders?coupon=SPRING").with("X-Forwarded-User", "alice", "X-Forwarded-Proto", "https"),
                            200, "allow", "http.post", "shop.example.com/orders",
                            pairs("host", "shop.example.com", "path", "/orders", "query", "coupon=SPRING", "scheme", "https")),
                    new Mapping("Envoy: a delete", Ask.envoy(HttpMethod.DELETE, "shop.example.com", "/products/12"),
                            403, "deny", "http.delete", "shop.example.com/products/12", pairs("path", "/products/12")),
                    new Mapping("Envoy: the admin pages, held", Ask.envoy(HttpMethod.GET, "shop.example.com", "/admin"),
                            403, "needs_approval", "http.get", "shop.example.com/admin", pairs("path", "/admin")),
                    new Mapping("Envoy: the root", Ask.envoy(HttpMethod.GET, "shop.example.com", "/"),
                            403, "deny", "http.get", "shop.example.com/", pairs("path", "/")),
                    new Mapping("Envoy: an order without an identity meets the default", Ask.envoy(HttpMethod.POST, "shop.example.com", "/orders"),
                            403, "deny", "http.post", "shop.example.com/orders", pairs("path", "/orders")),
                    new Mapping("Traefik: the host in lower case, without its port", Ask.traefik("GET", "https", "Shop.Example.com:8443", "/admin"),
                            403, "needs_approval", "http.get", "shop.example.com/admin", pairs("host", "shop.example.com")),
                    new Mapping("NGINX: the host in lower case, without its port", Ask.nginx("GET", "countersign.internal", "/admin")
                            .with("X-Original-Host", "SHOP.example.com:443"),
                            403, "needs_approval", "http.get", "shop.example.com/admin", pairs("host", "shop.example.com")),
                    new Mapping("Envoy: the host in lower case", Ask.envoy(HttpMethod.GET, "SHOP.EXAMPLE.COM", "/admin"),
                            403, "needs_approval", "http.get", "shop.example.com/admin", pairs("host", "shop.example.com")),
                    new Mapping("Envoy: a put, allowed by the sibling package when no package is configured",
                            Ask.envoy(HttpMethod.PUT, "shop.example.com", "/upload"),
                            200, "allow", "http.put", "shop.example.com/upload", pairs("path", "/upload"))
            ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
                HttpResponse<Buffer> r = c.ask().send(node);
                assertEquals(c.status(), r.statusCode(), r.bodyAsString());
                assertEquals(c.verdict(), r.getHeader("X-Countersign-Verdict"));
                assertEquals(c.verdict().equals("needs_approval"), r.getHeader("X-Countersign-Approval") != null,
                        "X-Countersign-Approval is there exactly when the verdict is needs_approval");
                JsonObject body = r.bodyAsJsonObject();
                assertEquals(c.verdict(), body.getString("verdict"), body.encode());
                assertEquals(r.getHeader("X-Countersign-Decision-Id"), body.getString("decision_id"));

                JsonObject record = recorded(node, r, null);
                assertEquals("forward_auth", record.getString("via"));
                JsonObject input = record.getJsonObject("input");
                assertEquals(c.action(), input.getJsonObject("action").getString("name"), input.encode());
                JsonObject resource = input.getJsonObject("resource");
                assertEquals("http", resource.getString("type"), input.encode());
                assertEquals(c.resource(), resource.getString("id"), input.encode());
                c.attributes().forEach((key, value) -> assertEquals(value, resource.getString(key), key + " in " + input.encode()));
                if (!c.attributes().containsKey("query")) {
                    assertFalse(resource.containsKey("query"), input.encode());
                }
            }));
        }

        /**
         * NGINX's {@code auth_request} passes the client's own headers on to forward-auth, and Envoy
         * those its configuration allows, so a client can add another gateway's headers. They must never
         * make the decision about a request other than the one the gateway is asking about.
         */
        @TestFactory
        Stream<DynamicTest> anotherGatewaysHeadersFromTheClientChangeNothing() {
            return Stream.of(
                    new Mapping("NGINX: the client's X-Forwarded-Method is not the method",
                            Ask.nginx("DELETE", "shop.example.com", "/products").with("X-Forwarded-Method", "GET"),
                            403, "deny", "http.delete", "shop.example.com/products", pairs("path", "/products")),
                    new Mapping("NGINX: X-Original-Host comes before the client's X-Forwarded-Host",
                            Ask.nginx("GET", "countersign.internal", "/products").with("X-Original-Host", "shop.example.com",
                                    "X-Forwarded-Host", "elsewhere.example.com"),
                            200, "allow", "http.get", "shop.example.com/products", pairs("host", "shop.example.com")),
                    new Mapping("NGINX: X-Original-Proto is the scheme, not the client's X-Forwarded-Proto",
                            Ask.nginx("POST", "shop.example.com", "/orders").with("X-Original-Proto", "http", "X-Forwarded-Proto", "https",
                                    "X-Forwarded-User", "alice"),
                            403, "deny", "http.post", "shop.example.com/orders", pairs("scheme", "http")),
                    new Mapping("NGINX: the client's X-Forwarded-Host alone is not the host (only X-Original-Host is NGINX's own)",
                            Ask.nginx("GET", "countersign.internal", "/products").with("X-Forwarded-Host", "shop.example.com"),
                            403, "deny", "http.get", "countersign.internal/products", pairs("host", "countersign.internal")),
                    new Mapping("NGINX: the client's X-Forwarded-Proto alone is not the scheme",
                            Ask.nginx("GET", "shop.example.com", "/products").with("X-Forwarded-Proto", "https"),
                            200, "allow", "http.get", "shop.example.com/products", pairs("scheme", null)),
                    new Mapping("Traefik: a host with a trailing dot is the host without it",
                            Ask.traefik("DELETE", "https", "Shop.Example.COM.", "/admin/users"),
                            403, "deny", "http.delete", "shop.example.com/admin/users", pairs("host", "shop.example.com")),
                    new Mapping("Envoy: the client's X-Forwarded-Method is not the method",
                            Ask.envoy(HttpMethod.DELETE, "shop.example.com", "/products").with("X-Forwarded-Method", "GET"),
                            403, "deny", "http.delete", "shop.example.com/products", pairs("path", "/products")),
                    new Mapping("Envoy: the client's X-Forwarded-Host is not the host",
                            Ask.envoy(HttpMethod.GET, "elsewhere.example.com", "/products").with("X-Forwarded-Host", "shop.example.com"),
                            403, "deny", "http.get", "elsewhere.example.com/products", pairs("host", "elsewhere.example.com")),
                    new Mapping("Traefik: the client's X-Original-Method is not the method",
                            Ask.traefik("DELETE", "https", "shop.example.com", "/products").with("X-Original-Method", "GET"),
                            403, "deny", "http.delete", "shop.example.com/products", pairs("path", "/products")),
                    new Mapping("Traefik: the client's X-Original-Host is not the host",
                            Ask.traefik("GET", "https", "elsewhere.example.com", "/products").with("X-Original-Host", "shop.example.com"),
                            403, "deny", "http.get", "elsewhere.example.com/products", pairs("host", "elsewhere.example.com"))
            ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
                HttpResponse<Buffer> r = c.ask().send(node);
                assertEquals(c.status(), r.statusCode(), r.bodyAsString());
                JsonObject input = recorded(node, r, null).getJsonObject("input");
                assertEquals(c.action(), input.getJsonObject("action").getString("name"), input.encode());
                JsonObject resource = input.getJsonObject("resource");
                assertEquals(c.resource(), resource.getString("id"), input.encode());
                c.attributes().forEach((key, value) -> assertEquals(value, resource.getString(key), key + " in " + input.encode()));
            }));
        }

        /** A request that names the original URI in two gateways' ways cannot be decided: which one is the gateway's? */
        @TestFactory
        Stream<DynamicTest> aRequestNamedTwiceIsRefused() {
            return Stream.of(
                    new Named("NGINX asking, the client adding X-Forwarded-Uri",
                            Ask.nginx("GET", "shop.example.com", "/admin").with("X-Forwarded-Uri", "/products")),
                    new Named("Traefik asking, the client adding X-Original-URI",
                            Ask.traefik("GET", "https", "shop.example.com", "/admin").with("X-Original-URI", "/products")),
                    new Named("Envoy asking, the client adding X-Forwarded-Uri",
                            Ask.envoy(HttpMethod.GET, "shop.example.com", "/admin").with("X-Forwarded-Uri", "/products")),
                    new Named("Envoy asking, the client adding X-Original-URI",
                            Ask.envoy(HttpMethod.GET, "shop.example.com", "/admin").with("X-Original-URI", "/products"))
            ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
                HttpResponse<Buffer> r = c.ask().send(node);
                assertEquals(400, r.statusCode(), r.bodyAsString());
                JsonObject error = r.bodyAsJsonObject();
                assertEquals("ambiguous_request", error.getString("code"), error.encode());
                assertTrue(error.getString("message").contains("X-"), error.encode());
                assertNull(r.getHeader("X-Countersign-Verdict"), "nothing was decided");
            }));
        }

        /** A described request, for cases that only need the request. */
        record Named(String description, Ask ask) {
        }

        @Test
        void theIdentityHeaderIsTheActorAndTheGatewaysForwardedForEntryIsTheSource() throws Exception {
            // The client sent "198.51.100.66"; the gateway appended the address it saw, 203.0.113.9.
            HttpResponse<Buffer> r = Ask.traefik("POST", "https", "shop.example.com", "/orders")
                    .with("X-Forwarded-User", " alice@example.com ", "X-Forwarded-For", "198.51.100.66, 203.0.113.9").send(node);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            JsonObject input = recorded(node, r, null).getJsonObject("input");
            JsonObject actor = input.getJsonObject("actor");
            assertEquals("alice@example.com", actor.getString("id"), input.encode());
            assertEquals("human", actor.getString("type"), "the configured actor type");
            assertEquals("203.0.113.9", input.getJsonObject("context").getString("source_ip"), input.encode());
        }

        @Test
        void withoutForwardedForTheSourceIsThePeer() throws Exception {
            HttpResponse<Buffer> r = Ask.envoy(HttpMethod.GET, "shop.example.com", "/products").send(node);
            JsonObject input = recorded(node, r, null).getJsonObject("input");
            assertEquals("127.0.0.1", input.getJsonObject("context").getString("source_ip"), input.encode());
            assertFalse(input.containsKey("actor"), "no identity header, no actor: " + input.encode());
        }

        @Test
        void theReasonsAreInAHeaderAndInTheBody() throws Exception {
            HttpResponse<Buffer> held = Ask.traefik("GET", "https", "shop.example.com", "/admin").send(node);
            assertEquals(List.of("admin pages, with an ops approver"), reasonHeader(held));
            assertEquals("admin%20pages%2C%20with%20an%20ops%20approver", held.getHeader("X-Countersign-Reasons"),
                    "a comma inside a rule name is encoded, so the header splits on commas");
            JsonObject body = held.bodyAsJsonObject();
            JsonObject reason = body.getJsonArray("reasons").getJsonObject(0);
            assertEquals("admin pages, with an ops approver", reason.getString("rule"));
            assertEquals("http.admin", reason.getString("package"));
            assertEquals(new JsonArray().add("ops"), body.getJsonObject("approval").getJsonArray("groups"));
            assertEquals("application/json", held.getHeader("Content-Type"));

            HttpResponse<Buffer> insecure = Ask.traefik("POST", "http", "shop.example.com", "/orders").with("X-Forwarded-User", "alice").send(node);
            List<String> rules = reasonHeader(insecure);
            assertTrue(rules.contains("orders only over https") && rules.contains("signed-in shoppers may order"), rules.toString());
            assertEquals(2, insecure.bodyAsJsonObject().getJsonArray("reasons").size());

            HttpResponse<Buffer> unknown = Ask.traefik("PATCH", "https", "shop.example.com", "/products").send(node);
            assertEquals(List.of("default"), reasonHeader(unknown));
        }

        @Test
        void anAllowAndADenyCarryNoApprovalHeader() throws Exception {
            assertNull(Ask.traefik("GET", "https", "shop.example.com", "/products").send(node).getHeader("X-Countersign-Approval"));
            assertNull(Ask.traefik("DELETE", "https", "shop.example.com", "/products").send(node).getHeader("X-Countersign-Approval"));
        }

        @Test
        void aBodySentAlongIsIgnored() throws Exception {
            String body = "{\"items\": [" + "\"x\",".repeat(2000) + "\"y\"]}";
            HttpResponse<Buffer> r = node.client.post(PREFIX + "/orders").virtualHost("shop.example.com")
                    .putHeader("Content-Type", "application/json").putHeader("X-Forwarded-User", "alice")
                    .sendBuffer(Buffer.buffer(body)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            HttpResponse<Buffer> next = Ask.envoy(HttpMethod.GET, "shop.example.com", "/products").send(node);
            assertEquals(200, next.statusCode(), "the connection still serves: " + next.bodyAsString());
        }
    }

    /** A node with clients: a gateway presents a token with the decide scope. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithClients {
        TestNode node;

        @BeforeAll
        void start(@TempDir Path dir) throws Exception {
            node = TestNode.start(TestNode.config(dir, GATEWAY, TestNode.withClients(), List.of()));
        }

        @AfterAll
        void stop() throws Exception {
            node.close();
        }

        Ask products() {
            return Ask.traefik("GET", "https", "shop.example.com", "/products");
        }

        @Test
        void withoutACredentialIs401() throws Exception {
            HttpResponse<Buffer> r = products().send(node);
            assertEquals(401, r.statusCode(), r.bodyAsString());
            assertEquals("unauthorized", r.bodyAsJsonObject().getString("code"));
            assertTrue(r.bodyAsJsonObject().getString("message").contains("X-Countersign-Authorization"), r.bodyAsString());
            assertNull(r.getHeader("X-Countersign-Verdict"), "nothing was decided");
        }

        @Test
        void theGatewaysOwnHeaderCarriesItsToken() throws Exception {
            HttpResponse<Buffer> r = products().with("X-Countersign-Authorization", "Bearer " + TestNode.TOKENS.get("gateway"),
                    "Authorization", "Bearer the-shoppers-own-token").send(node);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals("gateway", recorded(node, r, TestNode.TOKENS.get("admin")).getString("caller"));
        }

        @Test
        void aClientTokenInAuthorizationIsAcceptedToo() throws Exception {
            HttpResponse<Buffer> r = products().with("Authorization", "Bearer " + TestNode.TOKENS.get("gateway")).send(node);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals("gateway", recorded(node, r, TestNode.TOKENS.get("admin")).getString("caller"));
        }

        @Test
        void aTokenWithoutTheDecideScopeIs403() throws Exception {
            HttpResponse<Buffer> r = products().with("X-Countersign-Authorization", "Bearer " + TestNode.TOKENS.get("carol")).send(node);
            assertEquals(403, r.statusCode(), r.bodyAsString());
            assertEquals("forbidden", r.bodyAsJsonObject().getString("code"));
            assertTrue(r.bodyAsJsonObject().getString("message").contains("decide"), r.bodyAsString());
            assertNull(r.getHeader("X-Countersign-Verdict"), "a refused caller is not a denied request");
        }

        @Test
        void anUnknownTokenIs401() throws Exception {
            HttpResponse<Buffer> r = products().with("X-Countersign-Authorization", "Bearer not-a-client").send(node);
            assertEquals(401, r.statusCode(), r.bodyAsString());
        }

        @Test
        void aCredentialSentTwiceIsRefused() throws Exception {
            try (RawHttp http = RawHttp.connect(node.server.port())) {
                RawHttp.Response r = http.sendHead("GET " + PREFIX + " HTTP/1.1", "Host: countersign.internal",
                        "X-Forwarded-Uri: /products", "X-Forwarded-Host: shop.example.com",
                        "X-Countersign-Authorization: Bearer " + TestNode.TOKENS.get("gateway"),
                        "X-Countersign-Authorization: Bearer not-a-client").read();
                assertEquals(400, r.status(), r.body());
                assertEquals("duplicate_header", r.json().getString("code"));
                assertEquals("X-Countersign-Authorization", r.json().getString("location"));
                assertNull(r.header("X-Countersign-Verdict"), "nothing was decided");
            }
        }

        /**
         * A gateway that cannot authenticate is refused from its headers, before any byte of a body it
         * declares is sent; asked to, it is not told to go on (no 100 Continue) before it is known.
         */
        @Test
        void anUnauthenticatedBodyIsRefusedBeforeItIsSent() throws Exception {
            for (String expect : List.of("X-Expect: nothing", "Expect: 100-continue")) {
                try (RawHttp http = RawHttp.connect(node.server.port())) {
                    RawHttp.Response r = http.sendHead("POST " + PREFIX + "/orders HTTP/1.1", "Host: shop.example.com",
                            "Content-Type: application/json", "Content-Length: 1048576", expect).read();
                    assertEquals(401, r.status(), expect + ": " + r.body());
                    assertEquals("unauthorized", r.json().getString("code"));
                    assertEquals("close", r.header("Connection"));
                    assertTrue(http.closedByServer(), "the connection is closed, so the body is never read");
                }
            }
        }

        @Test
        void anAuthenticatedGatewayIsToldToSendItsBody() throws Exception {
            try (RawHttp http = RawHttp.connect(node.server.port())) {
                assertEquals(100, http.sendHead("POST " + PREFIX + "/orders HTTP/1.1", "Host: shop.example.com", "Content-Length: 2",
                        "Expect: 100-continue", "X-Countersign-Authorization: Bearer " + TestNode.TOKENS.get("gateway")).read().status());
                RawHttp.Response decided = http.sendBody("{}".getBytes(StandardCharsets.UTF_8)).read();
                assertEquals("deny", decided.header("X-Countersign-Verdict"), decided.body());
            }
        }
    }

    /**
     * A node with clients whose forward-auth trusts 127.0.0.1 (a bare entry), reads the identity from
     * {@code X-Auth-Request-User} as a service, and applies package {@code http} and below only.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class FromATrustedSource {
        TestNode node;

        @BeforeAll
        void start(@TempDir Path dir) throws Exception {
            ServerConfig base = TestNode.config(dir, GATEWAY, TestNode.withClients(), List.of());
            ServerConfig config = base.withForwardAuth(
                    new ServerConfig.ForwardAuth("X-Auth-Request-User", "service", "http", List.of(TrustedSource.bare("127.0.0.1/32"))));
            node = TestNode.start(config);
        }

        @AfterAll
        void stop() throws Exception {
            node.close();
        }

        @Test
        void aTrustedAddressNeedsNoCredential() throws Exception {
            HttpResponse<Buffer> r = Ask.traefik("GET", "https", "shop.example.com", "/products").send(node);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals("trusted:127.0.0.1/32", recorded(node, r, TestNode.TOKENS.get("admin")).getString("caller"),
                    "the caller is the entry's principal, not the peer's address");
        }

        @Test
        void theTrustIsForForwardAuthOnly() throws Exception {
            HttpResponse<Buffer> r = node.post("/v1/decisions", "{\"action\": {\"name\": \"http.get\"}}", null);
            assertEquals(401, r.statusCode(), r.bodyAsString());
        }

        @Test
        void theIdentityHeaderIsTheConfiguredOne() throws Exception {
            HttpResponse<Buffer> r = Ask.traefik("POST", "https", "shop.example.com", "/orders")
                    .with("X-Auth-Request-User", "svc:checkout", "X-Forwarded-User", "mallory").send(node);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            JsonObject actor = recorded(node, r, TestNode.TOKENS.get("admin")).getJsonObject("input").getJsonObject("actor");
            assertEquals("svc:checkout", actor.getString("id"), actor.encode());
            assertEquals("service", actor.getString("type"), actor.encode());

            HttpResponse<Buffer> other = Ask.traefik("POST", "https", "shop.example.com", "/orders").with("X-Forwarded-User", "alice").send(node);
            assertEquals(403, other.statusCode(), "X-Forwarded-User is not the identity header here: " + other.bodyAsString());
        }

        @Test
        void theConfiguredPackageAppliesWithThoseBelowItButNotItsSibling() throws Exception {
            HttpResponse<Buffer> put = Ask.envoy(HttpMethod.PUT, "shop.example.com", "/upload").send(node);
            assertEquals(403, put.statusCode(), "package httpbin is not below http: " + put.bodyAsString());
            assertEquals(List.of("default"), reasonHeader(put));
            JsonObject record = recorded(node, put, TestNode.TOKENS.get("admin"));
            assertEquals("http", record.getString("package"), record.encode());

            HttpResponse<Buffer> admin = Ask.envoy(HttpMethod.GET, "shop.example.com", "/admin").send(node);
            assertEquals("needs_approval", admin.getHeader("X-Countersign-Verdict"), "package http.admin is below http");
        }
    }
}
