package dev.countersign.connectors.teams;

import dev.countersign.connectors.MovableClock;
import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The signing keys over their life: fetched at start, refreshed periodically, re-fetched once for a
 * key rotated in, at most once per limit for a burst of unknown key ids, kept through a failed
 * refresh until stale, and every token refused (503) when none can be had.
 */
@ExtendWith(VertxExtension.class)
class BotFrameworkKeysTest {
    private static final String APP = TeamsActivitySender.APP_ID;
    private static final String URL = BotFrameworkAuthTest.SERVICE_URL;
    private static final Duration REFETCH = Duration.ofMinutes(5);

    private final MovableClock clock = new MovableClock();
    private final List<BotFrameworkAuth> started = new ArrayList<>();
    private Vertx vertx;
    private FakeBotIssuer issuer;

    @BeforeEach
    void start(Vertx v) {
        vertx = v;
        issuer = await(FakeBotIssuer.start(vertx)).clock(clock);   // tokens minted on the checker's time
    }

    @AfterEach
    void stop() {
        started.forEach(a -> await(a.close()));
        await(issuer.close());
    }

    private BotFrameworkAuth auth(BotFrameworkSettings settings) {
        BotFrameworkAuth auth = new BotFrameworkAuth(vertx, settings);
        started.add(auth);
        return auth;
    }

    private BotFrameworkSettings settings() {
        return BotFrameworkAuthTest.settings(issuer).withClock(clock);
    }

    private Authentication verify(BotFrameworkAuth auth, String token) {
        return await(auth.verify("Bearer " + token));
    }

    private static TeamsRefusal refused(Authentication a, int status, String reason) {
        TeamsRefusal r = assertInstanceOf(TeamsRefusal.class, a, "accepted: " + a);
        assertEquals(status, r.status(), r.toString());
        assertTrue(r.reason().contains(reason), r.reason());
        return r;
    }

    @Test
    void theFirstFetchReadsTheMetadataThenTheKeySetAndHoldsEveryUsableKey() {
        BotFrameworkAuth auth = auth(settings());
        await(auth.start());
        assertEquals(1, issuer.metadataFetches());
        assertEquals(1, issuer.jwksFetches());
        assertEquals(java.util.Set.copyOf(issuer.publishedKids()), auth.keyIds());
    }

    @Test
    void aTokenFromAKeyRotatedInIsAcceptedAfterExactlyOneRefetch() {
        BotFrameworkAuth auth = auth(settings());
        await(auth.start());
        String old = issuer.signingKid();
        clock.advance(REFETCH.plusSeconds(1));
        String rotated = issuer.rotateIn();
        int before = issuer.jwksFetches();

        BotFrameworkToken token = assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
        assertEquals(rotated, token.keyId());
        assertEquals(before + 1, issuer.jwksFetches());
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.tokenSignedBy(old, APP, URL)), "the old key is still published");
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
        assertEquals(before + 1, issuer.jwksFetches(), "a held key needs no fetch");
    }

    @Test
    void aKeyRotatedInSoonAfterAFetchWaitsForTheRefetchLimit() {
        BotFrameworkAuth auth = auth(settings());
        await(auth.start());
        issuer.rotateIn();
        refused(verify(auth, issuer.token(APP, URL)), 401, "not among");
        assertEquals(1, issuer.jwksFetches(), "a fetch within the limit");

        clock.advance(REFETCH.plusSeconds(1));
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
        assertEquals(2, issuer.jwksFetches());
    }

    @Test
    void aBurstOfUnknownKeyIdsSharesOneFetchAndThenCausesNoneUntilTheLimitHasPassed() {
        BotFrameworkAuth auth = auth(settings());
        await(auth.start());
        clock.advance(REFETCH.plusSeconds(1));
        int before = issuer.jwksFetches();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            tokens.add(issuer.token(APP, URL, FakeBotIssuer.Forgery.UNKNOWN_KID));
        }
        Promise<List<Authentication>> all = Promise.promise();
        vertx.runOnContext(v -> {   // every lookup begins before the fetch can answer
            List<Future<Authentication>> checks = new ArrayList<>();
            tokens.forEach(t -> checks.add(auth.verify("Bearer " + t)));
            Future.all(checks).map(done -> {
                List<Authentication> results = new ArrayList<>();
                checks.forEach(c -> results.add(c.result()));
                return results;
            }).onComplete(all);
        });
        for (Authentication a : await(all.future())) {
            refused(a, 401, "not among the Bot Framework's signing keys");
        }
        assertEquals(before + 1, issuer.jwksFetches(), "the burst shared one fetch");

        for (int i = 0; i < 10; i++) {
            refused(verify(auth, issuer.token(APP, URL, FakeBotIssuer.Forgery.UNKNOWN_KID)), 401, "not among");
        }
        assertEquals(before + 1, issuer.jwksFetches(), "no fetch within the limit");

        clock.advance(REFETCH.plusSeconds(1));
        refused(verify(auth, issuer.token(APP, URL, FakeBotIssuer.Forgery.UNKNOWN_KID)), 401, "not among");
        assertEquals(before + 2, issuer.jwksFetches());
    }

    @Test
    void thePeriodicRefreshPicksUpARotationAndDropsARetiredKey() {
        BotFrameworkAuth auth = auth(settings().withKeyRefresh(Duration.ofMillis(150), Duration.ofHours(1)));
        await(auth.start());
        String old = issuer.signingKid();
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
        String rotated = issuer.rotateIn();
        issuer.retire(old);
        int seen = issuer.jwksFetches();
        eventually(() -> issuer.jwksFetches() >= seen + 2, "two periodic fetches after the rotation");

        assertEquals(rotated, assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL))).keyId());
        refused(verify(auth, issuer.tokenSignedBy(old, APP, URL)), 401, "not among");
    }

    @Test
    void whenTheMetadataIsDownAtStartEveryTokenIsRefusedUntilAFetchSucceeds() {
        issuer.unavailable();
        BotFrameworkAuth auth = auth(settings());
        Throwable why = failure(auth.start());
        assertTrue(why.getMessage().contains("OpenID metadata was answered HTTP 503"), why.getMessage());

        refused(verify(auth, issuer.token(APP, URL)), 503, "answered HTTP 503");
        issuer.available();
        TeamsRefusal limited = refused(verify(auth, issuer.token(APP, URL)), 503, "no usable Bot Framework signing keys");
        assertEquals("keys_unavailable", limited.code());
        assertEquals(1, issuer.metadataFetches(), "no fetch within the limit, even without keys");

        clock.advance(REFETCH.plusSeconds(1));
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
    }

    @Test
    void whenTheKeySetIsDownOrUnreachableTokensAreRefused() {
        BotFrameworkAuth auth = auth(settings());
        await(issuer.close());
        Throwable why = failure(auth.start());
        assertTrue(why.getMessage().contains("could not be fetched: the connection was refused"), why.getMessage());
        refused(verify(auth, issuer.token(APP, URL)), 503, "could not be fetched");
    }

    @Test
    void keysAreKeptThroughAFailedRefreshUntilTheyAreStale() {
        BotFrameworkAuth auth = auth(settings());
        await(auth.start());
        issuer.unavailable();
        clock.advance(Duration.ofDays(1).plusSeconds(1));   // overdue: a lookup also asks for a refresh
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
        eventually(() -> issuer.metadataFetches() == 2, "a refresh of overdue keys");
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)), "kept after the refresh failed");

        clock.advance(Duration.ofDays(2));
        refused(verify(auth, issuer.token(APP, URL)), 503, "answered HTTP 503");
    }

    @Test
    void metadataNamingAnotherIssuerIsNotTrusted() {
        issuer.metadataIssuer("https://login.example.com/evil");
        BotFrameworkAuth auth = auth(settings());
        assertTrue(failure(auth.start()).getMessage().contains("names the issuer \"https://login.example.com/evil\""));
        refused(verify(auth, issuer.token(APP, URL)), 503, "names the issuer");
        assertEquals(0, issuer.jwksFetches(), "the key set of an untrusted metadata is not fetched");
    }

    @Test
    void aKeySetLargerThanTheBoundIsRefused() {
        BotFrameworkSettings small = new BotFrameworkSettings(APP, TeamsActivitySender.TENANT_ID, issuer.metadataUrl(),
                BotFrameworkSettings.ISSUER, BotFrameworkSettings.CLOCK_SKEW, Duration.ofDays(1), REFETCH, Duration.ofDays(3),
                Duration.ofSeconds(5), 1024, clock);
        BotFrameworkAuth auth = auth(small);
        assertTrue(failure(auth.start()).getMessage().contains("the key set is longer than 1024 bytes"));
    }

    @Test
    void keysNotForRs256SignaturesAndKeyIdsPublishedTwiceAreNotUsed() {
        String encryption = issuer.addKey(2048, FakeBotIssuer.TEAMS, k -> k.put("use", "enc"));
        String rs512 = issuer.addKey(2048, FakeBotIssuer.TEAMS, k -> k.put("alg", "RS512"));
        String weak = issuer.addKey(1024, FakeBotIssuer.TEAMS, null);
        String twice = issuer.addKey(FakeBotIssuer.TEAMS);
        issuer.addKey(2048, FakeBotIssuer.TEAMS, k -> k.put("kid", twice));
        String endorsementsNotAList = issuer.addKey(2048, null, k -> k.putObject("endorsements").put("channel", "msteams"));
        BotFrameworkAuth auth = auth(settings());
        await(auth.start());

        for (String kid : List.of(encryption, rs512, weak, twice)) {
            refused(verify(auth, issuer.tokenSignedBy(kid, APP, URL)), 401, "not among");
        }
        BotFrameworkToken odd = assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.tokenSignedBy(endorsementsNotAList, APP, URL)));
        assertEquals(List.of(), odd.endorsements(), "endorsements that are not a list endorse nothing");
        assertInstanceOf(BotFrameworkToken.class, verify(auth, issuer.token(APP, URL)));
    }

    /** Waits, up to 10 s, for {@code condition}. */
    private static void eventually(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
