package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.countersign.connectors.LoopbackPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A fake Bot Framework token issuer: a real HTTP server on 127.0.0.1 (an ephemeral port) that
 * publishes OpenID metadata ({@link #metadataUrl()}: {@code issuer} {@value #ISSUER},
 * {@code jwks_uri}, RS256) and a key set ({@link #jwksUrl()}: RSA keys with {@code kid}, {@code use}
 * {@code sig} and, per key, an {@code endorsements} array or none), and mints the tokens the Bot
 * Connector sends a bot, genuine or forged in each way of {@link Forgery}.
 *
 * <p>Keys rotate as the Bot Framework's do: {@link #rotateIn()} publishes a new signing key,
 * {@link #retire} withdraws one. Fetches of each document are counted ({@link #jwksFetches()},
 * {@link #metadataFetches()}), also while {@link #unavailable() unavailable} (answered 503).
 * Only GET is served (405 otherwise). The metadata can be made to name another issuer
 * ({@link #metadataIssuer}).
 *
 * <p>Keys are generated on the calling thread: start it and rotate keys from a test's own thread,
 * not from an event loop. Token times come from {@link #clock(Clock)} (the system clock unless set).
 */
public final class FakeBotIssuer {
    public static final String ISSUER = "https://api.botframework.com";
    public static final String METADATA_PATH = "/v1/.well-known/openidconfiguration";
    public static final String JWKS_PATH = "/v1/.well-known/keys";
    /** The endorsements of a key that may sign for Teams. */
    public static final List<String> TEAMS = List.of("msteams");
    /** How long a genuine token is valid. */
    public static final Duration LIFETIME = Duration.ofHours(1);
    /** The clock skew the Bot Framework allows, and tokens forged "beyond skew" exceed. */
    public static final Duration SKEW = Duration.ofMinutes(5);

    /** The ways a token can be forged or be wrong. */
    public enum Forgery {
        /** Genuine. */
        NONE,
        /** {@code iss} another issuer. */
        WRONG_ISSUER,
        /** {@code aud} another bot's app id. */
        WRONG_AUDIENCE,
        /** Expired more than 5 minutes ago. */
        EXPIRED_BEYOND_SKEW,
        /** Expired 4 minutes ago: within the skew, accepted. */
        EXPIRED_WITHIN_SKEW,
        /** {@code nbf} more than 5 minutes ahead. */
        NOT_YET_VALID,
        /** {@code nbf} 4 minutes ahead: within the skew, accepted. */
        NOT_YET_VALID_WITHIN_SKEW,
        /** Signed by a key with a {@code kid} the key set does not hold (a new one each time). */
        UNKNOWN_KID,
        /** Signed by a key not in the key set, under the {@code kid} of the current signing key. */
        FOREIGN_KEY,
        /** {@code alg} {@code none}, no signature. */
        ALG_NONE,
        /** HS256 with the signing key's public key (its X.509 encoding) as the HMAC secret. */
        HS256_WITH_PUBLIC_KEY,
        /** RS512 by the current signing key. */
        RS512,
        /** A {@code serviceurl} claim other than the activity's {@code serviceUrl}. */
        SERVICE_URL_MISMATCH,
        /** No {@code serviceurl} claim. */
        NO_SERVICE_URL,
        /** No {@code exp}. */
        NO_EXPIRY,
        /** Signed by a published key endorsed for another channel only. */
        UNENDORSED_KEY,
        /** Signed by a published key that lists no endorsements at all: accepted. */
        KEY_WITHOUT_ENDORSEMENTS
    }

    /** One key this fake made: published in the key set or not, with its endorsements (null: no field). */
    private static final class IssuedKey {
        final RSAKey key;
        final List<String> endorsements;
        final Consumer<ObjectNode> edit;
        volatile boolean published;

        IssuedKey(RSAKey key, List<String> endorsements, Consumer<ObjectNode> edit, boolean published) {
            this.key = key;
            this.endorsements = endorsements;
            this.edit = edit;
            this.published = published;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    /** Key material shared by every fake in the JVM (generating RSA keys is slow); kids are per fake. */
    private static final List<RSAKey> MATERIAL = new ArrayList<>();

    private final Vertx vertx;
    private final String prefix = "fake-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger made = new AtomicInteger();
    private final Map<String, IssuedKey> keys = new ConcurrentHashMap<>();
    private final List<String> order = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private final AtomicInteger metadataFetches = new AtomicInteger();
    private volatile String signingKid;
    private volatile String unendorsedKid;
    private volatile String unlistedKid;
    private volatile IssuedKey foreign;
    private volatile boolean unavailable;
    private volatile String metadataIssuer = ISSUER;
    private volatile Clock clock = Clock.systemUTC();
    private volatile HttpServer server;
    private volatile int port;

    private FakeBotIssuer(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * Starts a fake publishing a signing key endorsed for {@code msteams}, a key endorsed for
     * {@code skype} only, and a key listing no endorsements; it also holds an unpublished key for
     * {@link Forgery#FOREIGN_KEY}.
     */
    public static Future<FakeBotIssuer> start(Vertx vertx) {
        FakeBotIssuer issuer = new FakeBotIssuer(vertx);
        issuer.signingKid = issuer.addKey(TEAMS);
        issuer.unendorsedKid = issuer.addKey(List.of("skype"));
        issuer.unlistedKid = issuer.addKey(null);
        issuer.foreign = new IssuedKey(material(issuer.made.getAndIncrement(), 2048), TEAMS, null, false);
        int port;
        try {
            port = LoopbackPorts.freePort();
        } catch (java.io.IOException e) {
            return Future.failedFuture(e);
        }
        return vertx.createHttpServer().requestHandler(issuer::handle).listen(port, "127.0.0.1").map(bound -> {
            issuer.server = bound;
            issuer.port = bound.actualPort();
            return issuer;
        });
    }

    /** The OpenID metadata's URL, for {@link BotFrameworkSettings#withOpenIdMetadataUrl}. */
    public String metadataUrl() {
        return "http://127.0.0.1:" + port + METADATA_PATH;
    }

    public String jwksUrl() {
        return "http://127.0.0.1:" + port + JWKS_PATH;
    }

    /** The {@code kid} genuine tokens are signed with now. */
    public String signingKid() {
        return signingKid;
    }

    /** The kids published now, in the order they were added. */
    public List<String> publishedKids() {
        List<String> kids = new ArrayList<>();
        for (String kid : order) {
            if (keys.get(kid).published) {
                kids.add(kid);
            }
        }
        return kids;
    }

    /** Publishes a new key endorsed for {@code msteams} and signs genuine tokens with it from now on; its kid. */
    public String rotateIn() {
        String kid = addKey(TEAMS);
        signingKid = kid;
        return kid;
    }

    /** Publishes a new key with {@code endorsements} (null: the key lists none); its kid. It signs only {@link #tokenSignedBy}. */
    public String addKey(List<String> endorsements) {
        return addKey(2048, endorsements, null);
    }

    /**
     * Publishes a new key of {@code bits} with {@code endorsements}, its published JSON changed by
     * {@code edit} (to add {@code "use":"enc"}, an {@code alg}, a duplicate kid…; may be null); its kid.
     */
    public String addKey(int bits, List<String> endorsements, Consumer<ObjectNode> edit) {
        int n = made.getAndIncrement();
        String kid = prefix + "-" + n;
        RSAKey material = material(n, bits);
        RSAKey key = new RSAKey.Builder(material).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
        keys.put(kid, new IssuedKey(key, endorsements == null ? null : List.copyOf(endorsements), edit, true));
        order.add(kid);
        return kid;
    }

    /** Withdraws the key {@code kid} from the key set; tokens it signs are no longer genuine. */
    public void retire(String kid) {
        IssuedKey key = keys.get(kid);
        if (key == null) {
            throw new IllegalArgumentException("no key " + kid);
        }
        key.published = false;
    }

    /** How many times the key set was asked for (answered or not). */
    public int jwksFetches() {
        return jwksFetches.get();
    }

    /** How many times the metadata was asked for (answered or not). */
    public int metadataFetches() {
        return metadataFetches.get();
    }

    /** Both documents answered 503 from now until {@link #available()}. */
    public void unavailable() {
        unavailable = true;
    }

    public void available() {
        unavailable = false;
    }

    /** The metadata names {@code issuer} as its issuer from now on. */
    public void metadataIssuer(String issuer) {
        metadataIssuer = issuer;
    }

    /** The clock tokens are minted by. */
    public FakeBotIssuer clock(Clock c) {
        clock = c;
        return this;
    }

    /** A genuine token for bot {@code appId}, vouching for {@code serviceUrl}. */
    public String token(String appId, String serviceUrl) {
        return token(appId, serviceUrl, Forgery.NONE);
    }

    /** A token for bot {@code appId} and {@code serviceUrl}, wrong as {@code forgery} says. */
    public String token(String appId, String serviceUrl, Forgery forgery) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(appId).notBeforeTime(date(now.minusSeconds(5)))
                .expirationTime(date(now.plus(LIFETIME))).claim("serviceurl", serviceUrl);
        switch (forgery) {
            case WRONG_ISSUER:
                claims.issuer("https://sts.windows.net/" + UUID.randomUUID() + "/");
                break;
            case WRONG_AUDIENCE:
                claims.audience(UUID.randomUUID().toString());
                break;
            case EXPIRED_BEYOND_SKEW:
                claims.notBeforeTime(date(now.minus(LIFETIME))).expirationTime(date(now.minus(SKEW).minusSeconds(30)));
                break;
            case EXPIRED_WITHIN_SKEW:
                claims.notBeforeTime(date(now.minus(LIFETIME))).expirationTime(date(now.minus(SKEW).plusSeconds(60)));
                break;
            case NOT_YET_VALID:
                claims.notBeforeTime(date(now.plus(SKEW).plusSeconds(30)));
                break;
            case NOT_YET_VALID_WITHIN_SKEW:
                claims.notBeforeTime(date(now.plus(SKEW).minusSeconds(60)));
                break;
            case SERVICE_URL_MISMATCH:
                claims.claim("serviceurl", serviceUrl.endsWith("/") ? serviceUrl + "other/" : serviceUrl + "/other/");
                break;
            case NO_SERVICE_URL:
                claims.claim("serviceurl", null);
                break;
            case NO_EXPIRY:
                claims.expirationTime(null);
                break;
            default:
                break;
        }
        JWTClaimsSet set = claims.build();
        switch (forgery) {
            case UNKNOWN_KID:
                return signed(foreign.key, prefix + "-unknown-" + UUID.randomUUID(), JWSAlgorithm.RS256, set);
            case FOREIGN_KEY:
                return signed(foreign.key, signingKid, JWSAlgorithm.RS256, set);
            case ALG_NONE:
                return unsigned(signingKid, set);
            case HS256_WITH_PUBLIC_KEY:
                return hmacWithPublicKey(set);
            case RS512:
                return signed(keys.get(signingKid).key, signingKid, JWSAlgorithm.RS512, set);
            case UNENDORSED_KEY:
                return signed(keys.get(unendorsedKid).key, unendorsedKid, JWSAlgorithm.RS256, set);
            case KEY_WITHOUT_ENDORSEMENTS:
                return signed(keys.get(unlistedKid).key, unlistedKid, JWSAlgorithm.RS256, set);
            default:
                return signed(keys.get(signingKid).key, signingKid, JWSAlgorithm.RS256, set);
        }
    }

    /** A genuine-looking token signed by the key {@code kid} this fake made (published or retired). */
    public String tokenSignedBy(String kid, String appId, String serviceUrl) {
        IssuedKey key = keys.get(kid);
        if (key == null) {
            throw new IllegalArgumentException("no key " + kid);
        }
        Instant now = clock.instant();
        JWTClaimsSet set = new JWTClaimsSet.Builder().issuer(ISSUER).audience(appId).notBeforeTime(date(now.minusSeconds(5)))
                .expirationTime(date(now.plus(LIFETIME))).claim("serviceurl", serviceUrl).build();
        return signed(key.key, kid, JWSAlgorithm.RS256, set);
    }

    public Future<Void> close() {
        HttpServer s = server;
        return s == null ? Future.succeededFuture() : s.close();
    }

    // ---- the server ----

    private void handle(HttpServerRequest request) {
        String path = request.path();
        boolean metadata = METADATA_PATH.equals(path);
        boolean jwks = JWKS_PATH.equals(path);
        if (!metadata && !jwks) {
            request.response().setStatusCode(404).end();
            return;
        }
        (metadata ? metadataFetches : jwksFetches).incrementAndGet();
        if (request.method() != HttpMethod.GET) {
            request.response().setStatusCode(405).putHeader("Allow", "GET").end();
            return;
        }
        if (unavailable) {
            request.response().setStatusCode(503).putHeader("Content-Type", "text/plain").end("Service Unavailable");
            return;
        }
        ObjectNode body = metadata ? metadataDocument() : keySet();
        request.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.toString());
    }

    private ObjectNode metadataDocument() {
        ObjectNode doc = JSON.createObjectNode().put("issuer", metadataIssuer)
                .put("authorization_endpoint", "https://invalid.botframework.com")
                .put("jwks_uri", jwksUrl());
        doc.putArray("id_token_signing_alg_values_supported").add("RS256");
        doc.putArray("token_endpoint_auth_methods_supported").add("private_key_jwt");
        return doc;
    }

    private ObjectNode keySet() {
        ObjectNode doc = JSON.createObjectNode();
        ArrayNode list = doc.putArray("keys");
        for (String kid : order) {
            IssuedKey key = keys.get(kid);
            if (!key.published) {
                continue;
            }
            ObjectNode jwk = JSON.valueToTree(key.key.toPublicJWK().toJSONObject());
            if (key.endorsements != null) {
                ArrayNode e = jwk.putArray("endorsements");
                key.endorsements.forEach(e::add);
            }
            if (key.edit != null) {
                key.edit.accept(jwk);
            }
            list.add(jwk);
        }
        return doc;
    }

    // ---- minting ----

    private static String signed(RSAKey key, String kid, JWSAlgorithm alg, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key, true));   // a weak key too: the checker must refuse it, not the fake
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String unsigned(String kid, JWTClaimsSet claims) {
        ObjectNode header = JSON.createObjectNode().put("alg", "none").put("kid", kid).put("typ", "JWT");
        return b64(header.toString()) + "." + b64(claims.toString()) + ".";
    }

    private String hmacWithPublicKey(JWTClaimsSet claims) {
        try {
            byte[] secret = keys.get(signingKid).key.toRSAPublicKey().getEncoded();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(signingKid).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Date date(Instant i) {
        return Date.from(i);
    }

    /** The {@code n}-th key of {@code bits} in the JVM (2048-bit ones are shared between fakes). */
    private static RSAKey material(int n, int bits) {
        try {
            if (bits != 2048) {
                return new RSAKeyGenerator(bits, true).generate();
            }
            synchronized (MATERIAL) {
                while (MATERIAL.size() <= n) {
                    MATERIAL.add(new RSAKeyGenerator(2048).generate());
                }
                return MATERIAL.get(n);
            }
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
