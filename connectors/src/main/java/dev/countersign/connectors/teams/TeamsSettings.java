package dev.countersign.connectors.teams;

import dev.countersign.connectors.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a {@link TeamsConnector} reaches Microsoft Teams: the bot's Microsoft App registration, the
 * token endpoint it gets Bot Framework tokens from, and the Bot Connector it sends through.
 *
 * <p>The pdp reads these from {@code connectors.teams}: {@code app_id}, {@code app_password},
 * {@code tenant_id}, {@code token_url}, {@code openid_metadata_url}, {@code service_url}.
 *
 * @param appId             the bot's Microsoft App ID (a GUID); the token's {@code client_id}, and the
 *                          audience inbound tokens must name
 * @param appPassword       the app's client secret; sent only in the token request's form body
 * @param tenantId          the tenant the bot belongs to (a GUID, or a domain such as
 *                          {@code contoso.onmicrosoft.com}); put into {@code tokenUrl} for
 *                          {@value #TENANT_PLACEHOLDER} and into the conversations the bot creates
 * @param tokenUrl          the OAuth 2.0 token endpoint, {@value #TOKEN_URL} unless a test points it at
 *                          a fake; an absolute http(s) URL without query, where {@value #TENANT_PLACEHOLDER}
 *                          stands for the tenant
 * @param openIdMetadataUrl the OpenID metadata of the Bot Connector's inbound tokens,
 *                          {@value #OPENID_METADATA_URL}; carried for the inbound side, not used here
 * @param serviceUrl        the Bot Connector's base, {@value #SERVICE_URL} unless told otherwise: an
 *                          absolute http(s) URL without query that ends with {@code /} and may carry a
 *                          path prefix ({@code https://smba.trafficmanager.net/amer/})
 * @param connectTimeout    the longest a connection may take to open
 * @param timeout           the longest a whole call may take, connecting included
 * @param maxAnswerBytes    the most of an answer read (a longer one is a transient failure)
 * @param clock             the clock by which tokens are refreshed
 */
public record TeamsSettings(String appId, Secret appPassword, String tenantId, String tokenUrl, String openIdMetadataUrl,
                            String serviceUrl, Duration connectTimeout, Duration timeout, int maxAnswerBytes, Clock clock) {
    public static final String TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token";
    public static final String OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    public static final String SERVICE_URL = "https://smba.trafficmanager.net/teams/";
    public static final String TENANT_PLACEHOLDER = "{tenant}";
    /** The scope of a Bot Framework token, asked for exactly. */
    public static final String SCOPE = "https://api.botframework.com/.default";

    private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,99}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,99}");

    public TeamsSettings {
        if (appId == null || !APP_ID.matcher(appId).matches()) {
            throw new IllegalArgumentException("the Teams app id is the bot's Microsoft App ID, such as 00000000-0000-0000-0000-000000000000");
        }
        Objects.requireNonNull(appPassword, "the Teams app password is required");
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            throw new IllegalArgumentException("the Teams tenant id is a GUID or a domain, such as contoso.onmicrosoft.com");
        }
        checkUrl(tokenUrl == null ? null : tokenUrl.replace(TENANT_PLACEHOLDER, tenantId), "token_url", TOKEN_URL);
        checkUrl(openIdMetadataUrl, "openid_metadata_url", OPENID_METADATA_URL);
        checkUrl(serviceUrl, "service_url", SERVICE_URL);
        if (!serviceUrl.endsWith("/")) {
            throw new IllegalArgumentException("the Teams service_url must end with /, such as " + SERVICE_URL);
        }
        positive(connectTimeout, "connectTimeout");
        positive(timeout, "timeout");
        if (maxAnswerBytes < 1024) {
            throw new IllegalArgumentException("maxAnswerBytes must be at least 1024");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /** The Microsoft cloud, with 5 s to connect, 10 s per call and 1 MiB answers. */
    public static TeamsSettings of(String appId, Secret appPassword, String tenantId) {
        return new TeamsSettings(appId, appPassword, tenantId, TOKEN_URL, OPENID_METADATA_URL, SERVICE_URL, Duration.ofSeconds(5),
                Duration.ofSeconds(10), 1024 * 1024, Clock.systemUTC());
    }

    /** The token endpoint of the tenant: {@link #tokenUrl} with the tenant put in. */
    public String tokenEndpoint() {
        return tokenUrl.replace(TENANT_PLACEHOLDER, tenantId);
    }

    public TeamsSettings withTokenUrl(String url) {
        return new TeamsSettings(appId, appPassword, tenantId, url, openIdMetadataUrl, serviceUrl, connectTimeout, timeout, maxAnswerBytes, clock);
    }

    public TeamsSettings withOpenIdMetadataUrl(String url) {
        return new TeamsSettings(appId, appPassword, tenantId, tokenUrl, url, serviceUrl, connectTimeout, timeout, maxAnswerBytes, clock);
    }

    public TeamsSettings withServiceUrl(String url) {
        return new TeamsSettings(appId, appPassword, tenantId, tokenUrl, openIdMetadataUrl, url, connectTimeout, timeout, maxAnswerBytes, clock);
    }

    public TeamsSettings withTimeouts(Duration connect, Duration call) {
        return new TeamsSettings(appId, appPassword, tenantId, tokenUrl, openIdMetadataUrl, serviceUrl, connect, call, maxAnswerBytes, clock);
    }

    public TeamsSettings withMaxAnswerBytes(int bytes) {
        return new TeamsSettings(appId, appPassword, tenantId, tokenUrl, openIdMetadataUrl, serviceUrl, connectTimeout, timeout, bytes, clock);
    }

    public TeamsSettings withClock(Clock tokenClock) {
        return new TeamsSettings(appId, appPassword, tenantId, tokenUrl, openIdMetadataUrl, serviceUrl, connectTimeout, timeout, maxAnswerBytes,
                tokenClock);
    }

    @Override
    public String toString() {
        return "TeamsSettings[appId=" + appId + ", tenantId=" + tenantId + ", tokenUrl=" + tokenUrl + ", serviceUrl=" + serviceUrl + "]";
    }

    private static void checkUrl(String url, String key, String example) {
        if (url == null) {
            throw new IllegalArgumentException("the Teams " + key + " is required, such as " + example);
        }
        try {
            URI uri = new URI(url);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("the Teams " + key + " must be an absolute http(s) URL without query, such as " + example);
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the Teams " + key + " is not a URL; give one such as " + example);
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration");
        }
    }
}
