package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import dev.countersign.pdp.audit.AuditVerifier;
import dev.countersign.pdp.config.Cidr;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.config.TrustedSource;
import dev.countersign.pdp.server.TestNode;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy's ext_authz over gRPC on a real node serving the test bundle {@code gateway} and the
 * packages of {@code extauthz} ({@code mcp}, {@code tenants}), asked by a grpc-java client built
 * from Envoy's published API classes, as Envoy asks: a token in the metadata, or from a trusted
 * address (127.0.0.2, the trusted source {@code envoy}).
 */
class ExtAuthzTest {
    static final String OLGA_TOKEN = "olga-token-0123456789";
    static final String ADMIN = TestNode.TOKENS.get("admin");

    @TempDir
    static Path dir;
    static TestNode node;
    static ManagedChannel channel;
    static ManagedChannel trustedChannel;

    @BeforeAll
    static void start() throws Exception {
        List<ClientConfig> clients = new ArrayList<>(TestNode.withClients());
        clients.add(new ClientConfig("olga", Authenticator.sha256Hex(OLGA_TOKEN), EnumSet.of(Scope.REVIEW), "olga@example.com"));
        ServerConfig config = TestNode.withExtAuthz(TestNode.config(dir, ForwardAuthTest.GATEWAY, clients, List.of())
                .withReviewers(new ReviewerDirectory(Map.of("ops", List.of(new Reviewer("olga@example.com", null, null)))))
                .withForwardAuth(new ServerConfig.ForwardAuth("X-Forwarded-User", "human", "", List.of(
                        new TrustedSource("envoy", Cidr.parse("127.0.0.2/32"), null)))));
        TestNode.copy(Path.of("src/test/resources/bundles/extauthz"), config.bundle());
        node = TestNode.start(config);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.server.extAuthzPort()).usePlaintext().build();
        trustedChannel = NettyChannelBuilder.forAddress("127.0.0.1", node.server.extAuthzPort()).usePlaintext()
                .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                    @Override
                    public java.net.SocketAddress createSocketAddress(java.net.SocketAddress remote, io.grpc.Attributes attrs) {
                        return new InetSocketAddress("127.0.0.2", 0);
                    }
                }).build();
    }

    /** Closing the node stops its gRPC server: a check finds no one listening. */
    @AfterAll
    static void stop() throws Exception {
        trustedChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        node.close();
        try {
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> check(request("GET", "/products")));
            assertEquals(Status.Code.UNAVAILABLE, gone.getStatus().getCode(), gone.toString());
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    static AuthorizationGrpc.AuthorizationBlockingStub stub(ManagedChannel through, String token) {
        AuthorizationGrpc.AuthorizationBlockingStub stub = AuthorizationGrpc.newBlockingStub(through);
        if (token != null) {
            Metadata metadata = new Metadata();
            metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
        }
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static CheckResponse check(CheckRequest request) {
        return stub(channel, TestNode.TOKENS.get("gateway")).check(request);
    }

    /** A request as Envoy describes it: from 203.0.113.9 over https, with {@code headers} (lower-case names) and extensions. */
    static CheckRequest request(String method, String host, String path, Map<String, String> headers, Map<String, String> extensions,
                                String principal) {
        AttributeContext.Peer.Builder source = AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress("203.0.113.9").setPortValue(43210)));
        if (principal != null) {
            source.setPrincipal(principal);
        }
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setSource(source)
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod(method).setHost(host).setPath(path).setScheme("https").setProtocol("HTTP/1.1")
                        .putAllHeaders(headers).putHeaders("x-request-id", java.util.UUID.randomUUID().toString())))
                .putAllContextExtensions(extensions)).build();
    }

    static CheckRequest request(String method, String path, String... headers) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            map.put(headers[i], headers[i + 1]);
        }
        return request(method, "shop.example.com:443", path, map, Map.of(), null);
    }

    static Map<String, String> headers(List<HeaderValueOption> options) {
        Map<String, String> map = new LinkedHashMap<>();
        for (HeaderValueOption o : options) {
            assertEquals(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, o.getAppendAction(),
                    "a header the client sent under the same name is replaced: " + o);
            map.put(o.getHeader().getKey(), o.getHeader().getValue());
        }
        return map;
    }

    static Map<String, String> okHeaders(CheckResponse r) {
        assertEquals(Code.OK_VALUE, r.getStatus().getCode(), r.toString());
        return headers(r.getOkResponse().getHeadersList());
    }

    static Map<String, String> deniedHeaders(CheckResponse r, int httpStatus) {
        assertEquals(Code.PERMISSION_DENIED_VALUE, r.getStatus().getCode(), r.toString());
        assertEquals(httpStatus, r.getDeniedResponse().getStatus().getCodeValue(), r.toString());
        return headers(r.getDeniedResponse().getHeadersList());
    }

    /** The decision's record, read through the HTTP API by an admin. */
    static JsonObject recorded(String decisionId) throws Exception {
        assertNotNull(decisionId, "every decided answer names its decision");
        HttpResponse<Buffer> record = node.get("/v1/decisions/" + decisionId, ADMIN);
        assertEquals(200, record.statusCode(), record.bodyAsString());
        return record.bodyAsJsonObject();
    }

    static String auditText() throws Exception {
        node.server.audit().flush();
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(node.data.resolve("audit"))) {
            for (Path f : files.sorted().toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }

    @Test
    void anAllowIsOkWithTheDecisionOnTheForwardedRequestAndInTheAuditLog() throws Exception {
        CheckResponse r = check(request("GET", "/products"));
        Map<String, String> headers = okHeaders(r);
        assertEquals("allow", headers.get("x-countersign-verdict"));
        JsonObject record = recorded(headers.get("x-countersign-decision-id"));
        assertEquals("ext_authz", record.getString("via"));
        assertEquals("gateway", record.getString("caller"));
        JsonObject input = record.getJsonObject("input");
        assertEquals("http.get", input.getJsonObject("action").getString("name"));
        assertEquals("shop.example.com/products", input.getJsonObject("resource").getString("id"), "the port is not part of the host");
        assertEquals("https", input.getJsonObject("resource").getString("scheme"));
        assertEquals("203.0.113.9", input.getJsonObject("context").getString("source_ip"));
        assertFalse(input.containsKey("actor"), "no identity header, no principal: no actor");

        String audit = auditText();
        assertTrue(audit.contains("\"decision_id\":\"" + headers.get("x-countersign-decision-id") + "\""), "the check is audited");
        assertTrue(audit.contains("\"via\":\"ext_authz\""), audit);
        assertTrue(AuditVerifier.verify(node.data.resolve("audit")).intact());
    }

    @Test
    void thePathIsNormalisedAsForwardAuthDoesWithItsQueryKept() throws Exception {
        CheckResponse r = check(request("GET", "/x/..//%61dmin/../products;jsessionid=1?page=2"));
        JsonObject resource = recorded(okHeaders(r).get("x-countersign-decision-id")).getJsonObject("input").getJsonObject("resource");
        assertEquals("shop.example.com/products", resource.getString("id"));
        assertEquals("page=2", resource.getString("query"));
        assertEquals("/x/..//%61dmin/../products;jsessionid=1", resource.getString("raw_path"));
    }

    @Test
    void aDenyIsPermissionDeniedWith403TheReasonsAndAJsonBody() throws Exception {
        CheckResponse r = check(request("DELETE", "/products/7"));
        Map<String, String> headers = deniedHeaders(r, 403);
        assertEquals("deny", headers.get("x-countersign-verdict"));
        assertEquals("nothing%20is%20deleted%20through%20the%20gateway", headers.get("x-countersign-reasons"));
        assertEquals("application/json", headers.get("content-type"));
        JsonObject body = new JsonObject(r.getDeniedResponse().getBody());
        assertEquals("deny", body.getString("verdict"));
        assertEquals("nothing is deleted through the gateway", body.getJsonArray("reasons").getJsonObject(0).getString("rule"));
        assertTrue(auditText().contains("\"decision_id\":\"" + headers.get("x-countersign-decision-id") + "\""), "a deny is audited");
    }

    @Test
    void needsApprovalIsHeldAndTheGrantRedeemedOnce() throws Exception {
        CheckRequest ask = request("GET", "/admin", "x-forwarded-user", "alice@example.com");
        CheckResponse held = check(ask);
        Map<String, String> headers = deniedHeaders(held, 403);
        assertEquals("needs_approval", headers.get("x-countersign-verdict"));
        String id = headers.get("x-countersign-approval");
        assertTrue(id != null && id.startsWith("apr_"), headers.toString());
        assertEquals(id, new JsonObject(held.getDeniedResponse().getBody()).getJsonObject("approval").getString("id"));
        assertTrue(auditText().contains("\"decision_id\":\"" + headers.get("x-countersign-decision-id") + "\""), "the hold is audited");

        HttpResponse<Buffer> vote = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", OLGA_TOKEN);
        assertEquals(200, vote.statusCode(), vote.bodyAsString());

        CheckRequest retry = request("GET", "/admin", "x-forwarded-user", "alice@example.com", "x-countersign-approval-id", id);
        Map<String, String> allowed = okHeaders(check(retry));
        assertEquals("allow", allowed.get("x-countersign-verdict"));
        assertEquals("ext_authz", recorded(allowed.get("x-countersign-decision-id")).getString("via"));

        CheckResponse again = check(retry);
        assertEquals("deny", deniedHeaders(again, 403).get("x-countersign-verdict"), "a grant is used once");
        String why = new JsonObject(again.getDeniedResponse().getBody()).getJsonArray("reasons").getJsonObject(0).getString("message");
        assertTrue(why.contains("already used"), why);
    }

    @Test
    void aMalformedOrIncompleteCheckIsDeniedWithItsProblem() {
        CheckResponse empty = check(CheckRequest.getDefaultInstance());
        assertEquals(Code.INVALID_ARGUMENT_VALUE, empty.getStatus().getCode(), empty.toString());
        assertEquals(400, empty.getDeniedResponse().getStatus().getCodeValue());
        JsonObject problem = new JsonObject(empty.getDeniedResponse().getBody());
        assertEquals("incomplete_request", problem.getString("code"));
        assertEquals("attributes", problem.getString("location"));

        CheckRequest noHttp = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.getDefaultInstance())).build();
        assertEquals("attributes.request.http", new JsonObject(check(noHttp).getDeniedResponse().getBody()).getString("location"));

        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("invalid_path", "/a%2Fb");
        cases.put("invalid_method", "bad method");
        cases.put("invalid_host", "not a host");
        cases.put("invalid_input", "approval");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            CheckRequest bad = switch (c.getKey()) {
                case "invalid_method" -> request("GE T", "/products");
                case "invalid_host" -> request("GET", "shop example com", "/products", Map.of(), Map.of(), null);
                case "invalid_input" -> request("GET", "/admin", "x-countersign-approval-id", "apr_nope");
                default -> request("GET", c.getValue());
            };
            CheckResponse r = check(bad);
            assertEquals(Code.INVALID_ARGUMENT_VALUE, r.getStatus().getCode(), c.getKey() + ": " + r);
            assertEquals(c.getKey(), new JsonObject(r.getDeniedResponse().getBody()).getString("code"), r.toString());
            assertEquals(c.getKey(), headers(r.getDeniedResponse().getHeadersList()).get("x-countersign-error"));
        }
        assertEquals(Code.OK_VALUE, check(request("GET", "/products")).getStatus().getCode(), "the server still serves");
    }

    @Test
    void theCallerAuthenticatesByMetadataOrCallsFromATrustedSource() throws Exception {
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> stub(channel, null).check(request("GET", "/products")));
        assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
        assertTrue(missing.getStatus().getDescription().contains("authorization: Bearer"), missing.getStatus().getDescription());
        StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
                () -> stub(channel, "not-a-token").check(request("GET", "/products")));
        assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
        StatusRuntimeException noScope = assertThrows(StatusRuntimeException.class,
                () -> stub(channel, ADMIN).check(request("GET", "/products")));
        assertEquals(Status.Code.PERMISSION_DENIED, noScope.getStatus().getCode());
        assertTrue(noScope.getStatus().getDescription().contains("decide"), noScope.getStatus().getDescription());

        CheckResponse trusted = stub(trustedChannel, null).check(request("GET", "/products"));
        assertEquals("envoy", recorded(okHeaders(trusted).get("x-countersign-decision-id")).getString("caller"),
                "a call from 127.0.0.2 is the trusted source's principal");
    }

    @Test
    void theSourcePrincipalIsTheActorBeforeTheIdentityHeader() throws Exception {
        Map<String, String> staff = Map.of("x-forwarded-user", "eve@staff.example.com");
        CheckResponse byHeader = check(request("GET", "shop.example.com", "/about", staff, Map.of(), null));
        JsonObject actor = recorded(okHeaders(byHeader).get("x-countersign-decision-id")).getJsonObject("input").getJsonObject("actor");
        assertEquals("eve@staff.example.com", actor.getString("id"));
        assertEquals("human", actor.getString("type"));

        String spiffe = "spiffe://example.org/ns/shop/sa/catalog";
        CheckResponse byPrincipal = check(request("GET", "shop.example.com", "/about", staff, Map.of(), spiffe));
        Map<String, String> denied = deniedHeaders(byPrincipal, 403);
        assertEquals(spiffe, recorded(denied.get("x-countersign-decision-id")).getJsonObject("input").getJsonObject("actor")
                .getString("id"), "the mTLS identity wins over a header the client could have set");
    }

    @Test
    void mcpHeadersMakeAToolCall() throws Exception {
        CheckResponse search = check(request("POST", "/mcp", "mcp-method", "tools/call", "mcp-name", "search"));
        JsonObject input = recorded(okHeaders(search).get("x-countersign-decision-id")).getJsonObject("input");
        assertEquals("mcp.tools/call", input.getJsonObject("action").getString("name"));
        assertEquals("mcp.tool", input.getJsonObject("resource").getString("type"));
        assertEquals("search", input.getJsonObject("resource").getString("id"));
        assertEquals("/mcp", input.getJsonObject("resource").getString("path"), "the HTTP attributes stay");

        CheckResponse delete = check(request("POST", "/mcp", "mcp-method", "tools/call", "mcp-name", "delete_repo"));
        Map<String, String> held = deniedHeaders(delete, 403);
        assertEquals("needs_approval", held.get("x-countersign-verdict"));
        assertTrue(held.get("x-countersign-approval").startsWith("apr_"), held.toString());

        Map<String, String> list = okHeaders(check(request("POST", "/mcp", "mcp-method", "tools/list")));
        JsonObject listed = recorded(list.get("x-countersign-decision-id")).getJsonObject("input");
        assertEquals("mcp.tools/list", listed.getJsonObject("action").getString("name"));
        assertEquals("http", listed.getJsonObject("resource").getString("type"), "without Mcp-Name the resource is the request");
    }

    @Test
    void contextExtensionsAreContextAttributesAndOneSelectsThePackage() throws Exception {
        Map<String, String> acme = Map.of("tenant", "acme", "countersign.package", "tenants");
        CheckResponse inTenants = check(request("GET", "shop.example.com", "/reports", Map.of(), acme, null));
        JsonObject record = recorded(okHeaders(inTenants).get("x-countersign-decision-id"));
        assertEquals("tenants", record.getString("package"));
        JsonObject context = record.getJsonObject("input").getJsonObject("context");
        assertEquals("acme", context.getString("tenant"));
        assertFalse(context.containsKey("countersign.package"), "the package is no attribute: " + context.encode());

        CheckResponse productsInTenants = check(request("GET", "shop.example.com", "/products", Map.of(), acme, null));
        deniedHeaders(productsInTenants, 403);   // package http's rules do not apply in package tenants

        CheckResponse inHttp = check(request("GET", "shop.example.com", "/reports", Map.of(),
                Map.of("tenant", "acme", "countersign.package", "http"), null));
        deniedHeaders(inHttp, 403);   // package tenants' rule does not apply in package http

        CheckResponse badPackage = check(request("GET", "shop.example.com", "/reports", Map.of(),
                Map.of("countersign.package", "../etc"), null));
        assertEquals("invalid_package", new JsonObject(badPackage.getDeniedResponse().getBody()).getString("code"));
    }

    @Test
    void theHealthServiceAnswers() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
                .setService("envoy.service.auth.v3.Authorization").build()).getStatus());
    }
}
