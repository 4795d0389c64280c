package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Proves that an activity POSTed to the bot comes from the Bot Connector, for this bot, in Teams,
 * from the configured tenant (the Bot Framework's rules for a channel's requests to a bot).
 *
 * <p>The token ({@link #verify}), each failure a 401 unless said otherwise:
 * <ol>
 *   <li>exactly {@code Authorization: Bearer <JWT>} (any other scheme, or none, is refused);</li>
 *   <li>its header's {@code alg} exactly {@value #ALGORITHM} ({@code none}, HMAC algorithms even
 *       keyed with the public key, and every other algorithm are refused before any key is used),
 *       a {@code kid}, no {@code crit};</li>
 *   <li>the key {@code kid} among the Bot Framework's published keys ({@link BotFrameworkKeys}: an
 *       unknown id causes one rate-limited re-fetch); when no key set can be had, 503 — failing
 *       closed;</li>
 *   <li>the RS256 signature verifies with that key;</li>
 *   <li>{@code iss} exactly the configured issuer ({@value BotFrameworkSettings#ISSUER});
 *       {@code aud} the bot's app id; {@code exp} present and {@code nbf} (when present) met, each
 *       within {@link BotFrameworkSettings#clockSkew()}; a string claim {@code serviceurl}.</li>
 * </ol>
 * Then the token against the activity it came with ({@link #admit}):
 * <ol>
 *   <li>the {@code serviceurl} claim equals the activity's {@code serviceUrl} exactly, else 401
 *       (the token vouches for another activity);</li>
 *   <li>when the signing key lists endorsements, {@value #CHANNEL} is among them, else 403;</li>
 *   <li>the activity's {@code channelId} is {@value #CHANNEL}, else 403;</li>
 *   <li>the activity names one tenant ({@code conversation.tenantId}, {@code channelData.tenant.id})
 *       and it is the configured one, else 403.</li>
 * </ol>
 * Headers such as {@code x-ms-tenant-id} are never read. A refusal's reason never quotes the token.
 */
public final class BotFrameworkAuth {
    /** The only signing algorithm accepted. */
    public static final String ALGORITHM = "RS256";
    /** The channel of Microsoft Teams. */
    public static final String CHANNEL = "msteams";
    /** The longest {@code Authorization} header read. */
    public static final int MAX_AUTHORIZATION_CHARS = 16 * 1024;

    private static final String BEARER = "Bearer ";
    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BotFrameworkSettings settings;
    private final BotFrameworkKeys keys;

    public BotFrameworkAuth(Vertx vertx, BotFrameworkSettings settings) {
        this.settings = settings;
        this.keys = new BotFrameworkKeys(vertx, settings);
    }

    /**
     * Fetches the metadata and keys now, and from then on every {@link BotFrameworkSettings#keyRefresh()}.
     * Fails, saying why, when this first fetch fails; this object is still usable then: it refuses
     * every token (503) until a later fetch succeeds.
     */
    public Future<Void> start() {
        return keys.start();
    }

    /** Stops refreshing the keys and releases the connections. */
    public Future<Void> close() {
        return keys.close();
    }

    public BotFrameworkSettings settings() {
        return settings;
    }

    /** The ids of the signing keys held now. */
    public Set<String> keyIds() {
        return keys.keyIds();
    }

    /** {@link #verify} then {@link #admit}: the token proves {@code activity}, or a refusal says why not. */
    public Future<Authentication> authenticate(String authorization, TeamsActivity activity) {
        return verify(authorization).map(checked -> checked instanceof BotFrameworkToken ? admit((BotFrameworkToken) checked, activity) : checked);
    }

    /**
     * The token of the {@code Authorization} header value {@code authorization} (null when the
     * request had none), verified by itself: a {@link BotFrameworkToken}, or a 401 or 503
     * {@link TeamsRefusal}. Never fails.
     */
    public Future<Authentication> verify(String authorization) {
        if (authorization == null || authorization.isEmpty()) {
            return refused(TeamsRefusal.unauthorized("no Authorization header"));
        }
        if (authorization.length() > MAX_AUTHORIZATION_CHARS) {
            return refused(TeamsRefusal.unauthorized("the Authorization header is longer than " + MAX_AUTHORIZATION_CHARS + " characters"));
        }
        if (!authorization.startsWith(BEARER)) {
            return refused(TeamsRefusal.unauthorized("the Authorization header is not a Bearer token"));
        }
        String token = authorization.substring(BEARER.length());
        if (!COMPACT_JWS.matcher(token).matches()) {
            return refused(TeamsRefusal.unauthorized("the bearer token is not a signed JWT"));
        }
        JsonNode header = header(token);
        if (header == null) {
            return refused(TeamsRefusal.unauthorized("the token's header is not a JSON object"));
        }
        String alg = header.path("alg").textValue();
        if (!ALGORITHM.equals(alg)) {
            return refused(TeamsRefusal.unauthorized("the token is signed with " + (alg == null ? "no algorithm" : TeamsRefusal.shown(alg))
                    + "; only " + ALGORITHM + " is accepted"));
        }
        if (header.has("crit")) {
            return refused(TeamsRefusal.unauthorized("the token names critical header parameters, which are not understood here"));
        }
        String kid = header.path("kid").textValue();
        if (kid == null || kid.isEmpty() || kid.length() > 256) {
            return refused(TeamsRefusal.unauthorized("the token names no key id (kid)"));
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return refused(TeamsRefusal.unauthorized("the token is not a readable JWT"));
        }
        return keys.key(kid).map(lookup -> {
            if (lookup.key() == null) {
                return lookup.unavailable() ? TeamsRefusal.keysUnavailable(lookup.reason()) : TeamsRefusal.unauthorized(lookup.reason());
            }
            return checked(jwt, lookup.key());
        });
    }

    /**
     * {@code token} against {@code activity}, the one it came with: {@code token} itself when it
     * proves the activity may act here, else a 401 or 403 {@link TeamsRefusal}.
     */
    public Authentication admit(BotFrameworkToken token, TeamsActivity activity) {
        if (!token.serviceUrl().equals(activity.serviceUrl())) {
            return TeamsRefusal.unauthorized("the token's serviceurl claim is not the activity's serviceUrl");
        }
        if (token.endorsements() != null && !token.endorsements().contains(CHANNEL)) {
            return TeamsRefusal.forbidden("the signing key " + TeamsRefusal.shown(token.keyId()) + " is not endorsed for " + CHANNEL);
        }
        if (!CHANNEL.equals(activity.channelId())) {
            return TeamsRefusal.forbidden("the activity's channelId is " + TeamsRefusal.shown(activity.channelId()) + ", not " + CHANNEL);
        }
        if (activity.tenantsDisagree()) {
            return TeamsRefusal.forbidden("the activity names two different tenants (conversation.tenantId and channelData.tenant.id)");
        }
        String tenant = activity.tenantId();
        if (tenant == null) {
            return TeamsRefusal.forbidden("the activity names no tenant");
        }
        if (!tenant.equalsIgnoreCase(settings.tenantId())) {
            return TeamsRefusal.forbidden("the activity is from the tenant " + TeamsRefusal.shown(tenant) + ", not the configured one");
        }
        return token;
    }

    /** The token's signature and claims, checked with {@code key}. */
    private Authentication checked(SignedJWT jwt, BotFrameworkKeys.Key key) {
        try {
            if (!jwt.verify(new RSASSAVerifier(key.publicKey()))) {
                return TeamsRefusal.unauthorized("the token's signature does not verify with the key " + TeamsRefusal.shown(key.kid()));
            }
        } catch (JOSEException | RuntimeException e) {
            return TeamsRefusal.unauthorized("the token's signature could not be verified with the key " + TeamsRefusal.shown(key.kid()));
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return TeamsRefusal.unauthorized("the token's claims are not a JSON object");
        }
        if (!settings.issuer().equals(claims.getIssuer())) {
            return TeamsRefusal.unauthorized("the token's issuer is " + TeamsRefusal.shown(claims.getIssuer()) + ", not " + settings.issuer());
        }
        String audience = audience(claims.getAudience());
        if (audience == null) {
            return TeamsRefusal.unauthorized("the token is not for this bot: its aud is not the bot's app id");
        }
        Instant now = settings.clock().instant();
        Duration skew = settings.clockSkew();
        Instant expires = instant(claims.getExpirationTime());
        if (expires == null) {
            return TeamsRefusal.unauthorized("the token has no expiry (exp)");
        }
        if (now.isAfter(expires.plus(skew))) {
            return TeamsRefusal.unauthorized("the token expired " + Duration.between(expires, now).toSeconds() + " s ago; "
                    + skew.toSeconds() + " s of clock skew are allowed");
        }
        Instant notBefore = instant(claims.getNotBeforeTime());
        if (notBefore != null && now.isBefore(notBefore.minus(skew))) {
            return TeamsRefusal.unauthorized("the token is not valid for another " + Duration.between(now, notBefore).toSeconds() + " s; "
                    + skew.toSeconds() + " s of clock skew are allowed");
        }
        Object serviceUrl = claims.getClaim("serviceurl");
        if (!(serviceUrl instanceof String) || ((String) serviceUrl).isEmpty()) {
            return TeamsRefusal.unauthorized("the token carries no serviceurl claim");
        }
        return new BotFrameworkToken(key.kid(), key.endorsements(), claims.getIssuer(), audience, (String) serviceUrl, notBefore, expires);
    }

    /** The bot's app id when {@code aud} names it (without regard to case: it is a GUID), else null. */
    private String audience(List<String> aud) {
        if (aud == null) {
            return null;
        }
        for (String a : aud) {
            if (a != null && a.toLowerCase(Locale.ROOT).equals(settings.appId().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        return null;
    }

    private static JsonNode header(String token) {
        try {
            byte[] json = Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.')));
            JsonNode header = JSON.readTree(json);
            return header != null && header.isObject() ? header : null;
        } catch (IllegalArgumentException | IOException e) {
            return null;
        }
    }

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }

    private static Future<Authentication> refused(TeamsRefusal refusal) {
        return Future.succeededFuture(refusal);
    }
}
