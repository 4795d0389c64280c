package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One activity as the Bot Connector would POST it to a bot, with its {@code Authorization: Bearer}
 * token — or forged. Immutable: {@link #forged}, {@link #forApp} and each change of the activity
 * give a copy with a token minted anew (forged the same way, extra headers kept; a replaced
 * {@link #withAuthorization Authorization} is not kept). Send the very same object twice for a
 * redelivery.
 */
public final class ActivityRequest {
    /** What a receiver answered, and how long it took. */
    public record Answer(int status, String body, String contentType, Duration took) {
        /** The body as JSON, or null when it is empty or not JSON. */
        public JsonNode json() {
            if (body == null || body.isEmpty()) {
                return null;
            }
            try {
                return FakeBotIssuer.JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    private final FakeBotIssuer issuer;
    private final String appId;
    private final ObjectNode activity;
    private final FakeBotIssuer.Forgery forgery;
    private final String authorization;
    private final MultiMap extraHeaders;
    private final String rawBody;

    ActivityRequest(FakeBotIssuer issuer, String appId, ObjectNode activity, FakeBotIssuer.Forgery forgery) {
        this(issuer, appId, activity, forgery, "Bearer " + issuer.token(appId, activity.path("serviceUrl").asText(), forgery),
                MultiMap.caseInsensitiveMultiMap(), null);
    }

    private ActivityRequest(FakeBotIssuer issuer, String appId, ObjectNode activity, FakeBotIssuer.Forgery forgery, String authorization,
                            MultiMap extraHeaders, String rawBody) {
        this.issuer = issuer;
        this.appId = appId;
        this.activity = activity;
        this.forgery = forgery;
        this.authorization = authorization;
        this.extraHeaders = extraHeaders;
        this.rawBody = rawBody;
    }

    /** This activity with a token wrong as {@code how} says. */
    public ActivityRequest forged(FakeBotIssuer.Forgery how) {
        return minted(appId, activity, how);
    }

    /** This activity with a token for bot {@code otherAppId}. */
    public ActivityRequest forApp(String otherAppId) {
        return minted(otherAppId, activity, forgery);
    }

    /** This activity, in the channel {@code channelId} (such as {@code slack}). */
    public ActivityRequest withChannelId(String channelId) {
        return edited(a -> a.put("channelId", channelId));
    }

    /** This activity, from {@code tenantId} (in both {@code conversation.tenantId} and {@code channelData.tenant.id}). */
    public ActivityRequest withTenant(String tenantId) {
        return withTenants(tenantId, tenantId);
    }

    /** This activity naming {@code conversationTenant} and {@code channelDataTenant} (null: left out). */
    public ActivityRequest withTenants(String conversationTenant, String channelDataTenant) {
        return edited(a -> {
            ObjectNode conversation = (ObjectNode) a.path("conversation");
            ObjectNode tenant = (ObjectNode) a.path("channelData").path("tenant");
            if (conversationTenant == null) {
                conversation.remove("tenantId");
            } else {
                conversation.put("tenantId", conversationTenant);
            }
            if (channelDataTenant == null) {
                tenant.remove("id");
            } else {
                tenant.put("id", channelDataTenant);
            }
        });
    }

    /** This activity changed by {@code edit}, with a token minted for it. */
    public ActivityRequest edited(Consumer<ObjectNode> edit) {
        ObjectNode copy = activity.deepCopy();
        edit.accept(copy);
        return minted(appId, copy, forgery);
    }

    /** A copy with these parts (the same extra headers) and a token minted for them. */
    private ActivityRequest minted(String forApp, ObjectNode a, FakeBotIssuer.Forgery how) {
        return new ActivityRequest(issuer, forApp, a, how, "Bearer " + issuer.token(forApp, a.path("serviceUrl").asText(), how), extraHeaders,
                null);
    }

    /** This request with {@code Authorization: value} instead of its token (null: without the header). */
    public ActivityRequest withAuthorization(String value) {
        return new ActivityRequest(issuer, appId, activity, forgery, value, extraHeaders, rawBody);
    }

    /** This request with one more header (a second {@code Authorization}, an {@code x-ms-tenant-id} hint…). */
    public ActivityRequest withHeader(String name, String value) {
        MultiMap more = MultiMap.caseInsensitiveMultiMap().addAll(extraHeaders).add(name, value);
        return new ActivityRequest(issuer, appId, activity, forgery, authorization, more, rawBody);
    }

    /** This request's token and headers with {@code body} sent instead of the activity (malformed JSON, say). */
    public ActivityRequest withRawBody(String body) {
        return new ActivityRequest(issuer, appId, activity, forgery, authorization, extraHeaders, body);
    }

    /** The activity as sent. */
    public ObjectNode activity() {
        return activity.deepCopy();
    }

    /** The {@code Authorization} header's value, or null. */
    public String authorization() {
        return authorization;
    }

    public MultiMap headers() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json; charset=utf-8")
                .add("User-Agent", "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)");
        if (authorization != null) {
            headers.add("Authorization", authorization);
        }
        return headers.addAll(extraHeaders);
    }

    public Buffer body() {
        return Buffer.buffer(rawBody != null ? rawBody : activity.toString());
    }

    /** POSTs this request to {@code url} (an absolute http URL), as the Bot Connector would. */
    public Future<Answer> send(Vertx vertx, String url) {
        HttpClient client = vertx.createHttpClient();
        long started = System.nanoTime();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url);
        headers().forEach(options::addHeader);
        Promise<Answer> answered = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> client.request(options)   // one event loop for every step of the exchange
                .compose(request -> request.send(body()))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(), b.toString(StandardCharsets.UTF_8),
                        response.getHeader("Content-Type"), Duration.ofNanos(System.nanoTime() - started))))
                .eventually(() -> client.close())
                .onComplete(answered));
        return answered.future();
    }
}
