package dev.countersign.connectors.teams;

import static dev.countersign.connectors.Awaits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.countersign.connectors.teams.FakeBotIssuer.Forgery;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Only a token the Bot Framework signed, for this bot, now, vouching for the activity's service
 * URL, from a key endorsed for Teams, on an activity in Teams from the configured tenant, proves
 * an activity; each other case is refused with its status and a reason that never quotes the token.
 */
@ExtendWith(VertxExtension.class)
class BotFrameworkAuthTest {
    static final String SERVICE_URL = "https://smba.trafficmanager.net/emea/";

    private FakeBotIssuer issuer;
    private BotFrameworkAuth auth;
    private TeamsActivitySender sender;

    @BeforeEach
    void start(Vertx vertx) {
        issuer = await(FakeBotIssuer.start(vertx));
        auth = new BotFrameworkAuth(vertx, settings(issuer));
        await(auth.start());
        sender = new TeamsActivitySender(issuer, TeamsActivitySender.APP_ID, TeamsActivitySender.TENANT_ID, SERVICE_URL);
    }

    @AfterEach
    void stop() {
        await(auth.close());
        await(issuer.close());
    }

    static BotFrameworkSettings settings(FakeBotIssuer issuer) {
        return BotFrameworkSettings.of(TeamsActivitySender.APP_ID, TeamsActivitySender.TENANT_ID).withOpenIdMetadataUrl(issuer.metadataUrl());
    }

    private ActivityRequest approve() {
        return sender.execute("approve", "apr_01jfakeapproval0000000000", null, TeamsActivitySender.CAROL);
    }

    private Authentication check(BotFrameworkAuth with, ActivityRequest request) {
        TeamsActivity activity = assertInstanceOf(TeamsActivity.class, TeamsActivity.read(request.body()));
        return await(with.authenticate(request.authorization(), activity));
    }

    private Authentication check(ActivityRequest request) {
        return check(auth, request);
    }

    private TeamsRefusal refused(Authentication a, int status, String reason, ActivityRequest request) {
        TeamsRefusal refusal = assertInstanceOf(TeamsRefusal.class, a, "accepted: " + a);
        assertEquals(status, refusal.status(), refusal.toString());
        assertTrue(refusal.reason().contains(reason), refusal.reason());
        String auth = request.authorization();
        if (auth != null && auth.length() > 20) {
            for (String part : auth.substring(auth.indexOf(' ') + 1).split("\\.")) {
                assertFalse(part.length() > 8 && refusal.reason().contains(part), "the reason quotes the token: " + refusal.reason());
            }
        }
        return refusal;
    }

    @Test
    void aGenuineTokenOnATeamsActivityFromTheTenantIsAuthentic() {
        BotFrameworkToken token = assertInstanceOf(BotFrameworkToken.class, check(approve()));
        assertEquals(issuer.signingKid(), token.keyId());
        assertEquals(FakeBotIssuer.TEAMS, token.endorsements());
        assertEquals(FakeBotIssuer.ISSUER, token.issuer());
        assertEquals(TeamsActivitySender.APP_ID, token.audience());
        assertEquals(SERVICE_URL, token.serviceUrl());
        assertTrue(token.expiresAt().isAfter(Instant.now()));
    }

    /** Each negative of the protocol notes' §3 list, and a few more, with the status it gets and what its reason says. */
    @TestFactory
    Stream<DynamicTest> forgedOrWrongTokensAreRefused() {
        record Case(Forgery forgery, int status, String reason) {
        }
        return Stream.of(
                new Case(Forgery.WRONG_ISSUER, 401, "issuer"),
                new Case(Forgery.WRONG_AUDIENCE, 401, "not for this bot"),
                new Case(Forgery.EXPIRED_BEYOND_SKEW, 401, "expired"),
                new Case(Forgery.NOT_YET_VALID, 401, "not valid for another"),
                new Case(Forgery.UNKNOWN_KID, 401, "not among the Bot Framework's signing keys"),
                new Case(Forgery.FOREIGN_KEY, 401, "signature does not verify"),
                new Case(Forgery.ALG_NONE, 401, "\"none\"; only RS256"),
                new Case(Forgery.HS256_WITH_PUBLIC_KEY, 401, "\"HS256\"; only RS256"),
                new Case(Forgery.RS512, 401, "\"RS512\"; only RS256"),
                new Case(Forgery.SERVICE_URL_MISMATCH, 401, "serviceurl claim is not the activity's serviceUrl"),
                new Case(Forgery.NO_SERVICE_URL, 401, "no serviceurl claim"),
                new Case(Forgery.NO_EXPIRY, 401, "no expiry"),
                new Case(Forgery.UNENDORSED_KEY, 403, "not endorsed for msteams")
        ).map(c -> dynamicTest(c.forgery().name(), () -> {
            ActivityRequest forged = approve().forged(c.forgery());
            refused(check(forged), c.status(), c.reason(), forged);
        }));
    }

    @TestFactory
    Stream<DynamicTest> tokensWithinTheSkewAndKeysListingNoEndorsementsAreAccepted() {
        return Stream.of(Forgery.EXPIRED_WITHIN_SKEW, Forgery.NOT_YET_VALID_WITHIN_SKEW, Forgery.KEY_WITHOUT_ENDORSEMENTS)
                .map(f -> dynamicTest(f.name(), () -> assertInstanceOf(BotFrameworkToken.class, check(approve().forged(f)))));
    }

    /** Five minutes of skew, to the second, on the checker's own clock. */
    @Test
    void expiryAndNotBeforeAllowFiveMinutesOfSkewExactly(Vertx vertx) {
        Instant minted = Instant.parse("2026-03-01T10:00:00Z");
        issuer.clock(Clock.fixed(minted, ZoneOffset.UTC));
        ActivityRequest click = approve();
        Instant expires = minted.plus(FakeBotIssuer.LIFETIME);
        Instant notBefore = minted.minusSeconds(5);
        record At(Instant now, boolean accepted) {
        }
        for (At at : List.of(new At(expires.plus(FakeBotIssuer.SKEW), true), new At(expires.plus(FakeBotIssuer.SKEW).plusSeconds(1), false),
                new At(notBefore.minus(FakeBotIssuer.SKEW), true), new At(notBefore.minus(FakeBotIssuer.SKEW).minusSeconds(1), false))) {
            BotFrameworkAuth onTime = new BotFrameworkAuth(vertx, settings(issuer).withClock(Clock.fixed(at.now(), ZoneOffset.UTC)));
            try {
                await(onTime.start());
                Authentication a = check(onTime, click);
                assertEquals(at.accepted(), a instanceof BotFrameworkToken, at + ": " + a);
            } finally {
                await(onTime.close());
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> anAuthorizationThatIsNotOneBearerJwtIsRefused() {
        String token = issuer.token(TeamsActivitySender.APP_ID, SERVICE_URL);
        String[] parts = token.split("\\.");
        record Case(String name, String authorization, String reason) {
        }
        return Stream.of(
                new Case("no header", null, "no Authorization header"),
                new Case("empty", "", "no Authorization header"),
                new Case("Basic", "Basic " + Base64.getEncoder().encodeToString("app:password".getBytes(StandardCharsets.UTF_8)), "not a Bearer"),
                new Case("lower-case scheme", "bearer " + token, "not a Bearer"),
                new Case("the token alone", token, "not a Bearer"),
                new Case("two spaces", "Bearer  " + token, "not a signed JWT"),
                new Case("two parts", "Bearer " + parts[0] + "." + parts[1], "not a signed JWT"),
                new Case("four parts", "Bearer " + token + ".x", "not a signed JWT"),
                new Case("a header that is not JSON", "Bearer " + b64("not json") + "." + parts[1] + "." + parts[2], "not a JSON object"),
                new Case("no kid", "Bearer " + b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2], "no key id"),
                new Case("crit", "Bearer " + b64("{\"alg\":\"RS256\",\"kid\":\"" + issuer.signingKid() + "\",\"crit\":[\"exp\"],\"exp\":1}")
                        + "." + parts[1] + "." + parts[2], "critical"),
                new Case("alg as a list", "Bearer " + b64("{\"alg\":[\"RS256\"],\"kid\":\"k\"}") + "." + parts[1] + "." + parts[2], "no algorithm"),
                new Case("claims altered", "Bearer " + parts[0] + "." + b64("{\"iss\":\"https://api.botframework.com\",\"aud\":\""
                        + TeamsActivitySender.APP_ID + "\",\"exp\":4102444800,\"serviceurl\":\"" + SERVICE_URL + "\"}") + "." + parts[2],
                        "signature does not verify"),
                new Case("too long", "Bearer " + "a".repeat(BotFrameworkAuth.MAX_AUTHORIZATION_CHARS), "longer than")
        ).map(c -> dynamicTest(c.name(), () -> {
            ActivityRequest request = approve().withAuthorization(c.authorization());
            refused(check(request), 401, c.reason(), request);
        }));
    }

    @TestFactory
    Stream<DynamicTest> aGenuineTokenOnAnActivityOutsideTeamsOrTheTenantIsForbidden() {
        record Case(String name, ActivityRequest request, String reason) {
        }
        return Stream.of(
                new Case("channel slack", approve().withChannelId("slack"), "channelId is \"slack\", not msteams"),
                new Case("channel MSTeams", approve().withChannelId("MSTeams"), "not msteams"),
                new Case("another tenant", approve().withTenant(TeamsActivitySender.OTHER_TENANT_ID), "not the configured one"),
                new Case("another tenant in channelData only", approve().withTenants(null, TeamsActivitySender.OTHER_TENANT_ID),
                        "not the configured one"),
                new Case("two tenants", approve().withTenants(TeamsActivitySender.TENANT_ID, TeamsActivitySender.OTHER_TENANT_ID),
                        "two different tenants"),
                new Case("no tenant", approve().withTenants(null, null), "names no tenant")
        ).map(c -> dynamicTest(c.name(), () -> refused(check(c.request()), 403, c.reason(), c.request())));
    }

    @Test
    void theTenantAndTheAppIdAreGuidsComparedWithoutRegardToCase() {
        String upperTenant = TeamsActivitySender.TENANT_ID.toUpperCase(Locale.ROOT);
        assertInstanceOf(BotFrameworkToken.class, check(approve().withTenant(upperTenant)));
        assertInstanceOf(BotFrameworkToken.class, check(approve().withTenants(null, TeamsActivitySender.TENANT_ID)));
        assertInstanceOf(BotFrameworkToken.class, check(approve().forApp(TeamsActivitySender.APP_ID.toUpperCase(Locale.ROOT))));
        assertInstanceOf(TeamsRefusal.class, check(approve().forApp(TeamsActivitySender.APP_ID.replace('3', '4'))));
    }

    @Test
    void theServiceUrlMustMatchToTheCharacter() {
        ActivityRequest click = approve();
        ActivityRequest noSlash = click.edited(a -> a.put("serviceUrl", SERVICE_URL.substring(0, SERVICE_URL.length() - 1)))
                .withAuthorization(click.authorization());
        refused(check(noSlash), 401, "serviceurl", noSlash);
        ActivityRequest upper = click.edited(a -> a.put("serviceUrl", SERVICE_URL.replace("smba", "SMBA"))).withAuthorization(click.authorization());
        refused(check(upper), 401, "serviceurl", upper);
    }

    @Test
    void aTokenIsVerifiedBeforeAnythingOfTheActivityIsTrusted() {
        ActivityRequest forged = approve().forged(Forgery.FOREIGN_KEY);
        Authentication alone = await(auth.verify(forged.authorization()));
        refused(alone, 401, "signature", forged);
        BotFrameworkToken genuine = assertInstanceOf(BotFrameworkToken.class, await(auth.verify(approve().authorization())));
        TeamsActivity elsewhere = (TeamsActivity) TeamsActivity.read(approve().withChannelId("webchat").body());
        assertEquals(403, assertInstanceOf(TeamsRefusal.class, auth.admit(genuine, elsewhere)).status());
        TeamsActivity teams = (TeamsActivity) TeamsActivity.read(approve().body());
        assertEquals(genuine, auth.admit(genuine, teams));
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
