package dev.countersign.connectors.teams;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link BotFrameworkAuth} trusts, and how it keeps the Bot Framework's signing keys.
 *
 * @param appId             the bot's Microsoft App ID: a token's {@code aud} must be it (a GUID,
 *                          compared without regard to case)
 * @param tenantId          the tenant whose activities are accepted (compared without regard to case)
 * @param openIdMetadataUrl where the OpenID metadata is published, {@value #OPENID_METADATA_URL}
 *                          unless a test points it at a fake; an absolute http(s) URL
 * @param issuer            the only issuer accepted, {@value #ISSUER}: the metadata must name it,
 *                          and a token's {@code iss} must be it exactly
 * @param clockSkew         how far {@code nbf} and {@code exp} may be off, either way (5 minutes)
 * @param keyRefresh        how often the metadata and keys are fetched again (at most a day)
 * @param unknownKeyRefetch the least time between two fetches caused by a key id not among the keys
 *                          (or by keys overdue for refresh): a burst of unknown key ids costs at
 *                          most one fetch in that time
 * @param keysStaleAfter    how long keys are used without a successful refresh; after that, and
 *                          before any fetch succeeded, every token is refused (503)
 * @param fetchTimeout      the longest one fetch of the metadata or the keys may take
 * @param maxDocumentBytes  the most of the metadata or key set read
 * @param clock             the clock for token times, key ages and the refetch limit
 */
public record BotFrameworkSettings(String appId, String tenantId, String openIdMetadataUrl, String issuer, Duration clockSkew,
                                   Duration keyRefresh, Duration unknownKeyRefetch, Duration keysStaleAfter, Duration fetchTimeout,
                                   int maxDocumentBytes, Clock clock) {
    public static final String OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    public static final String ISSUER = "https://api.botframework.com";
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    public BotFrameworkSettings {
        appId = required(appId, "appId");
        tenantId = required(tenantId, "tenantId");
        checkUrl(openIdMetadataUrl, "openIdMetadataUrl");
        required(issuer, "issuer");
        nonNegative(clockSkew, "clockSkew");
        positive(keyRefresh, "keyRefresh");
        if (keyRefresh.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("keyRefresh must be at most a day: the Bot Framework's keys are refreshed at least daily");
        }
        positive(unknownKeyRefetch, "unknownKeyRefetch");
        positive(keysStaleAfter, "keysStaleAfter");
        positive(fetchTimeout, "fetchTimeout");
        if (maxDocumentBytes < 1024) {
            throw new IllegalArgumentException("maxDocumentBytes must be at least 1024");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * The Bot Framework itself for bot {@code appId} and tenant {@code tenantId}: keys refreshed
     * daily, an unknown key id re-fetched at most every 5 minutes, keys used up to 3 days without a
     * successful refresh, 5 s per fetch, documents up to 1 MiB, the system clock.
     */
    public static BotFrameworkSettings of(String appId, String tenantId) {
        return new BotFrameworkSettings(appId, tenantId, OPENID_METADATA_URL, ISSUER, CLOCK_SKEW, Duration.ofDays(1),
                Duration.ofMinutes(5), Duration.ofDays(3), Duration.ofSeconds(5), 1024 * 1024, Clock.systemUTC());
    }

    public BotFrameworkSettings withOpenIdMetadataUrl(String url) {
        return new BotFrameworkSettings(appId, tenantId, url, issuer, clockSkew, keyRefresh, unknownKeyRefetch, keysStaleAfter,
                fetchTimeout, maxDocumentBytes, clock);
    }

    /** Keys fetched again every {@code every}; an unknown key id causes a fetch at most every {@code unknownKeyAtMostEvery}. */
    public BotFrameworkSettings withKeyRefresh(Duration every, Duration unknownKeyAtMostEvery) {
        return new BotFrameworkSettings(appId, tenantId, openIdMetadataUrl, issuer, clockSkew, every, unknownKeyAtMostEvery,
                keysStaleAfter, fetchTimeout, maxDocumentBytes, clock);
    }

    public BotFrameworkSettings withKeysStaleAfter(Duration after) {
        return new BotFrameworkSettings(appId, tenantId, openIdMetadataUrl, issuer, clockSkew, keyRefresh, unknownKeyRefetch, after,
                fetchTimeout, maxDocumentBytes, clock);
    }

    public BotFrameworkSettings withFetchTimeout(Duration timeout) {
        return new BotFrameworkSettings(appId, tenantId, openIdMetadataUrl, issuer, clockSkew, keyRefresh, unknownKeyRefetch,
                keysStaleAfter, timeout, maxDocumentBytes, clock);
    }

    public BotFrameworkSettings withClock(Clock c) {
        return new BotFrameworkSettings(appId, tenantId, openIdMetadataUrl, issuer, clockSkew, keyRefresh, unknownKeyRefetch,
                keysStaleAfter, fetchTimeout, maxDocumentBytes, c);
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value.trim();
    }

    /** Whether {@code url} is an absolute http(s) URL with a host, without credentials or fragment. */
    static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static void checkUrl(String url, String name) {
        if (url == null || !isHttpUrl(url)) {
            throw new IllegalArgumentException(name + " must be an absolute http(s) URL, such as " + OPENID_METADATA_URL);
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration");
        }
    }

    private static void nonNegative(Duration d, String name) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
    }
}
