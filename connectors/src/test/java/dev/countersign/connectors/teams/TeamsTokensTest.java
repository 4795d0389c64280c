package dev.countersign.connectors.teams;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static dev.countersign.connectors.Awaits.onEventLoop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.ConnectorFailure.Kind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bot's token: the client-credentials grant as the endpoint wants it, kept and refreshed before expiry, one fetch in flight, failures not kept. */
@ExtendWith(VertxExtension.class)
class TeamsTokensTest {
    private Vertx vertx;
    private FakeTeamsTokens fake;
    private HttpClient client;
    private TestClock clock;

    @BeforeEach
    void start(Vertx v) {
        vertx = v;
        fake = await(FakeTeamsTokens.start(v));
        client = v.createHttpClient();
        clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
    }

    @AfterEach
    void stop() {
        await(client.close());
        await(fake.close());
    }

    private TeamsTokens tokens(Clock c) {
        return new TeamsTokens(vertx, client, fake.settings("http://127.0.0.1:9/").withClock(c));
    }

    @Test
    void theRequestIsTheClientCredentialsGrantForTheBotFrameworkScopeInTheTenant() {
        await(tokens(clock).token());
        FakeTeamsTokens.TokenRequest r = fake.requests().get(0);
        assertEquals("POST", r.method());
        assertEquals("/" + FakeTeamsTokens.TENANT_ID + "/oauth2/v2.0/token", r.path());
        assertEquals("application/x-www-form-urlencoded", r.contentType());
        assertEquals(Map.of("grant_type", "client_credentials", "client_id", FakeTeamsTokens.APP_ID, "client_secret", FakeTeamsTokens.APP_PASSWORD,
                "scope", "https://api.botframework.com/.default"), r.form());
        assertEquals(200, r.status());
    }

    @Test
    void aTokenIsKeptUntilFiveMinutesBeforeItsHourEnds() {
        TeamsTokens tokens = tokens(clock);
        String first = await(tokens.token());
        assertEquals(first, await(tokens.token()));
        clock.advance(Duration.ofSeconds(3299));
        assertEquals(first, await(tokens.token()), "refreshed too early");
        assertEquals(1, fake.issued());
        clock.advance(Duration.ofSeconds(2));
        String second = await(tokens.token());
        assertNotEquals(first, second, "not refreshed with less than 5 minutes left");
        assertEquals(2, fake.issued());
        assertEquals(second, await(tokens.token()));
    }

    @Test
    void aShortLivedTokenIsRefreshedWithATenthOfItsLifetimeLeft() {
        fake.expiresIn(Duration.ofSeconds(20));
        TeamsTokens tokens = tokens(clock);
        String first = await(tokens.token());
        clock.advance(Duration.ofMillis(17_900));
        assertEquals(first, await(tokens.token()));
        clock.advance(Duration.ofMillis(200));
        assertNotEquals(first, await(tokens.token()));
        assertEquals(Duration.ofMinutes(5), TeamsTokens.margin(Duration.ofHours(2)));
        assertEquals(Duration.ofMinutes(5), TeamsTokens.margin(Duration.ofHours(1)));
        assertEquals(Duration.ofMinutes(1), TeamsTokens.margin(Duration.ofMinutes(10)));
        assertEquals(Duration.ofSeconds(1), TeamsTokens.margin(Duration.ofSeconds(10)));
    }

    @Test
    void aTokenOfTwoSecondsIsReplacedOnceItRunsOutInRealTime() throws InterruptedException {
        fake.expiresIn(Duration.ofSeconds(2));
        TeamsTokens tokens = tokens(Clock.systemUTC());
        String first = await(tokens.token());
        assertEquals(first, await(tokens.token()));
        Thread.sleep(2_100);
        assertFalse(fake.valid(first), "the fake's token should have expired");
        String second = await(tokens.token());
        assertNotEquals(first, second);
        assertTrue(fake.valid(second));
        assertEquals(2, fake.issued());
    }

    @Test
    void concurrentCallersShareOneFetch() {
        fake.delay(Duration.ofMillis(300));
        TeamsTokens tokens = tokens(clock);
        List<Future<String>> asked = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            asked.add(i % 2 == 0 ? onEventLoop(vertx, tokens::token) : tokens.token());
        }
        Set<String> values = Set.copyOf(asked.stream().map(f -> await(f)).toList());
        assertEquals(1, values.size(), "callers got different tokens");
        assertEquals(1, fake.requests().size(), "more than one fetch was in flight");

        clock.advance(Duration.ofMinutes(56));
        List<Future<String>> again = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            again.add(onEventLoop(vertx, tokens::token));
        }
        again.forEach(f -> await(f));
        assertEquals(2, fake.requests().size(), "one refresh for all of them");
    }

    @Test
    void aFailedFetchIsNotKept() {
        fake.fail(500, "temporarily_unavailable", 1);
        TeamsTokens tokens = tokens(clock);
        assertEquals(Kind.TRANSIENT, connectorFailure(tokens.token()).kind());
        String token = await(tokens.token());
        assertTrue(fake.valid(token));
        assertEquals(2, fake.requests().size());
    }

    @Test
    void aKeptTokenStillValidIsHandedOutWhileItsRefreshFails() {
        TeamsTokens tokens = tokens(clock);
        String first = await(tokens.token());
        clock.advance(Duration.ofSeconds(3400));
        fake.fail(503, "temporarily_unavailable", 1);
        assertEquals(first, await(tokens.token()), "a failed refresh failed a call its valid token could make");
        assertEquals(2, fake.requests().size());
        assertNotEquals(first, await(tokens.token()), "the next call tries again");

        clock.advance(Duration.ofSeconds(3560));
        fake.fail(503, "temporarily_unavailable", 1);
        assertEquals(Kind.TRANSIENT, connectorFailure(tokens.token()).kind(), "a token with under a minute left is not handed out");
    }

    @Test
    void invalidatingDropsOnlyTheTokenGiven() {
        TeamsTokens tokens = tokens(clock);
        String first = await(tokens.token());
        tokens.invalidate("some-older-token");
        assertEquals(first, await(tokens.token()));
        tokens.invalidate(first);
        assertNotEquals(first, await(tokens.token()));
    }

    /** A clock a test moves by hand. */
    private static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
