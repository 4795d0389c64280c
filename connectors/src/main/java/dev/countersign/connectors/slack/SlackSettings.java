package dev.countersign.connectors.slack;

import dev.countersign.connectors.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SlackConnector} reaches Slack.
 *
 * @param baseUrl        the Web API's base, {@value #SLACK_API} unless a test points it at a fake;
 *                       an absolute http(s) URL without query, its trailing slash dropped
 * @param botToken       the bot token ({@code xoxb-…}); sent only in the {@code Authorization} header
 *                       to {@code baseUrl}, never to a {@code response_url}
 * @param connectTimeout the longest a connection may take to open
 * @param timeout        the longest a whole call may take, connecting included
 * @param maxAnswerBytes the most of an answer read (a longer one is a transient failure)
 * @param userCacheSize  how many {@code users.info} answers are kept
 * @param userCacheTtl   how long one is kept
 * @param clock          the clock of the user cache
 */
public record SlackSettings(String baseUrl, Secret botToken, Duration connectTimeout, Duration timeout, int maxAnswerBytes,
                            int userCacheSize, Duration userCacheTtl, Clock clock) {
    public static final String SLACK_API = "https://slack.com/api";

    public SlackSettings {
        Objects.requireNonNull(botToken, "a Slack bot token is required");
        baseUrl = checkedBase(Objects.requireNonNull(baseUrl, "baseUrl"));
        positive(connectTimeout, "connectTimeout");
        positive(timeout, "timeout");
        if (maxAnswerBytes < 1024 || userCacheSize < 1) {
            throw new IllegalArgumentException("maxAnswerBytes must be at least 1024 and userCacheSize at least 1");
        }
        positive(userCacheTtl, "userCacheTtl");
        Objects.requireNonNull(clock, "clock");
    }

    /** Slack itself, with 5 s to connect, 10 s per call, 1 MiB answers, 1000 users kept 10 minutes. */
    public static SlackSettings of(Secret botToken) {
        return new SlackSettings(SLACK_API, botToken, Duration.ofSeconds(5), Duration.ofSeconds(10), 1024 * 1024, 1000,
                Duration.ofMinutes(10), Clock.systemUTC());
    }

    public SlackSettings withBaseUrl(String url) {
        return new SlackSettings(url, botToken, connectTimeout, timeout, maxAnswerBytes, userCacheSize, userCacheTtl, clock);
    }

    public SlackSettings withTimeouts(Duration connect, Duration call) {
        return new SlackSettings(baseUrl, botToken, connect, call, maxAnswerBytes, userCacheSize, userCacheTtl, clock);
    }

    public SlackSettings withMaxAnswerBytes(int bytes) {
        return new SlackSettings(baseUrl, botToken, connectTimeout, timeout, bytes, userCacheSize, userCacheTtl, clock);
    }

    public SlackSettings withUserCache(int size, Duration ttl, Clock cacheClock) {
        return new SlackSettings(baseUrl, botToken, connectTimeout, timeout, maxAnswerBytes, size, ttl, cacheClock);
    }

    private static String checkedBase(String url) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI uri = new URI(base);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("the Slack base URL must be an absolute http(s) URL without query, such as " + SLACK_API);
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the Slack base URL is not a URL; give one such as " + SLACK_API);
        }
        return base;
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration");
        }
    }
}
