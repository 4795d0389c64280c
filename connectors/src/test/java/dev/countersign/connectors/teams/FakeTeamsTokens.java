package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.Secret;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Microsoft identity platform token endpoint for the client-credentials grant: a real HTTP
 * server on 127.0.0.1 (an ephemeral port) at {@code /{tenant}/oauth2/v2.0/token}, answering as the
 * real one does. Point {@link TeamsSettings#tokenUrl()} at {@link #tokenUrl()}.
 *
 * <p>It enforces: {@code POST} (405 otherwise); a form body
 * ({@code application/x-www-form-urlencoded}, else 400 {@code invalid_request}); the tenant in the
 * path (400 {@code invalid_tenant}, AADSTS90002); {@code grant_type=client_credentials} (400
 * {@code unsupported_grant_type}); the app's {@code client_id} (400 {@code unauthorized_client},
 * AADSTS700016); its {@code client_secret} (401 {@code invalid_client}, AADSTS7000215); exactly the
 * scope {@value TeamsSettings#SCOPE} (400 {@code invalid_scope}, AADSTS70011); and never the secret
 * in the query (a {@link #violations() violation}). It answers
 * {@code {"token_type":"Bearer","expires_in":…,"access_token":…}}, each token new, valid for
 * {@link #expiresIn(Duration)} (an hour unless told), and counts them ({@link #issued()}).
 *
 * <p>Failures: the next answers can be an error status with an OAuth error code ({@link #fail}), or be
 * held back for a while ({@link #delay}), to show that concurrent callers share one request.
 */
public final class FakeTeamsTokens {
    public static final String APP_ID = "8d1e6b7a-0c2f-4e3a-9b5d-7f6e5d4c3b2a";
    public static final String APP_PASSWORD = "fake~app.password-0123456789abcdefXYZ";
    public static final String TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    private record Injected(int status, String error, String description, int[] remaining) {
    }

    /** A request the endpoint received, with its form and the status it answered. */
    public record TokenRequest(Instant at, String method, String path, String contentType, Map<String, String> form, int status) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Vertx vertx;
    private final String appId;
    private final String password;
    private final String tenant;
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final List<TokenRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private volatile Duration expiresIn = Duration.ofHours(1);
    private volatile Duration delay = Duration.ZERO;
    private volatile HttpServer server;

    private FakeTeamsTokens(Vertx vertx, String appId, String password, String tenant) {
        this.vertx = vertx;
        this.appId = appId;
        this.password = password;
        this.tenant = tenant;
    }

    /** Starts an endpoint for {@link #APP_ID}, {@link #APP_PASSWORD} in {@link #TENANT_ID}. */
    public static Future<FakeTeamsTokens> start(Vertx vertx) {
        return start(vertx, APP_ID, APP_PASSWORD, TENANT_ID);
    }

    /** Starts an endpoint for the app {@code appId} with {@code password} in {@code tenant}. */
    public static Future<FakeTeamsTokens> start(Vertx vertx, String appId, String password, String tenant) {
        FakeTeamsTokens fake = new FakeTeamsTokens(vertx, appId, password, tenant);
        return vertx.createHttpServer().requestHandler(fake::handle).listen(0, "127.0.0.1").map(s -> {
            fake.server = s;
            return fake;
        });
    }

    /** The token URL with the tenant placeholder, as {@code connectors.teams.token_url} takes it. */
    public String tokenUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/" + TeamsSettings.TENANT_PLACEHOLDER + "/oauth2/v2.0/token";
    }

    /** Settings for this endpoint's app and the Bot Connector at {@code serviceUrl}, with short timeouts. */
    public TeamsSettings settings(String serviceUrl) {
        return TeamsSettings.of(appId, Secret.of(password), tenant).withTokenUrl(tokenUrl()).withServiceUrl(serviceUrl)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    public String appId() {
        return appId;
    }

    public String tenantId() {
        return tenant;
    }

    /** How long tokens issued from now on live. */
    public FakeTeamsTokens expiresIn(Duration lifetime) {
        expiresIn = lifetime;
        return this;
    }

    /** Every answer from now on is sent {@code wait} after its request arrived. */
    public FakeTeamsTokens delay(Duration wait) {
        delay = wait;
        return this;
    }

    /** The next {@code times} requests are answered {@code status} with OAuth error {@code error} ({@code invalid_client}, {@code temporarily_unavailable}). */
    public void fail(int status, String error, int times) {
        injected.add(new Injected(status, error, "AADSTS50000: injected by the test", new int[] {times}));
    }

    /** Whether {@code token} was issued here and has not expired. */
    public boolean valid(String token) {
        Instant expires = token == null ? null : tokens.get(token);
        return expires != null && Instant.now().isBefore(expires);
    }

    /** {@code token} expires now, as if its lifetime had run out. */
    public void expire(String token) {
        tokens.computeIfPresent(token, (t, at) -> Instant.now().minusSeconds(1));
    }

    /** How many tokens were issued. */
    public int issued() {
        return issued.get();
    }

    /** Every request received, in order. */
    public List<TokenRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** What a real endpoint would not accept from a well-behaved client: the secret in the query. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public Future<Void> close() {
        return server.close();
    }

    private void handle(HttpServerRequest request) {
        Instant at = Instant.now();
        request.body().onSuccess(body -> {
            long wait = delay.toMillis();
            if (wait > 0) {
                vertx.setTimer(wait, t -> answer(request, at, body));
            } else {
                answer(request, at, body);
            }
        });
    }

    private void answer(HttpServerRequest request, Instant at, Buffer body) {
        String contentType = request.getHeader("Content-Type");
        boolean form = contentType != null && contentType.toLowerCase().startsWith("application/x-www-form-urlencoded");
        Map<String, String> params = form ? params(body.toString(StandardCharsets.UTF_8)) : Map.of();
        if (request.query() != null && request.query().contains("client_secret")) {
            violations.add("the client secret was sent in the query string");
        }
        int status;
        ObjectNode answer;
        Injected failure = nextFailure();
        String path = request.path();
        if (!path.matches("/[^/]+/oauth2/v2\\.0/token")) {
            status = 404;
            answer = error("invalid_request", "AADSTS900561: The endpoint only accepts POST requests at /{tenant}/oauth2/v2.0/token.");
        } else if (!"POST".equals(request.method().name())) {
            status = 405;
            answer = error("invalid_request", "AADSTS900561: The endpoint only accepts POST requests.");
        } else if (!path.substring(1, path.indexOf('/', 1)).equals(tenant)) {
            status = 400;
            answer = error("invalid_tenant", "AADSTS90002: Tenant '" + path.substring(1, path.indexOf('/', 1)) + "' not found.");
        } else if (!form) {
            status = 400;
            answer = error("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.");
        } else if (!"client_credentials".equals(params.get("grant_type"))) {
            status = 400;
            answer = error("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
        } else if (!appId.equals(params.get("client_id"))) {
            status = 400;
            answer = error("unauthorized_client", "AADSTS700016: Application with identifier '" + params.get("client_id") + "' was not found.");
        } else if (!password.equals(params.get("client_secret"))) {
            status = 401;
            answer = error("invalid_client", "AADSTS7000215: Invalid client secret provided.");
        } else if (!TeamsSettings.SCOPE.equals(params.get("scope"))) {
            status = 400;
            answer = error("invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid.");
        } else if (failure != null) {
            status = failure.status();
            answer = error(failure.error(), failure.description());
        } else {
            status = 200;
            String token = "fake-bf." + issued.incrementAndGet() + "." + HexFormat.of().formatHex(bytes(16));
            tokens.put(token, Instant.now().plus(expiresIn));
            answer = JSON.createObjectNode().put("token_type", "Bearer").put("expires_in", expiresIn.toSeconds())
                    .put("ext_expires_in", expiresIn.toSeconds()).put("access_token", token);
        }
        requests.add(new TokenRequest(at, request.method().name(), path, contentType, params, status));
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8").end(answer.toString());
    }

    private Injected nextFailure() {
        for (Injected i : injected) {
            synchronized (i.remaining()) {
                if (i.remaining()[0] > 0) {
                    i.remaining()[0]--;
                    return i;
                }
            }
        }
        return null;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static ObjectNode error(String code, String description) {
        return JSON.createObjectNode().put("error", code).put("error_description", description);
    }

    private static Map<String, String> params(String encoded) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                params.put("", "");
            }
        }
        return params;
    }
}
