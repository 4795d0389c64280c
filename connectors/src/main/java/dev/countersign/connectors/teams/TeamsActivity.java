package dev.countersign.connectors.teams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An activity as the Bot Connector POSTs it to the bot's messaging endpoint, read from the exact
 * body with every field the connector uses bounded and checked, and what it means
 * ({@link #meaning()}).
 *
 * <p>Read ({@link #read}): a JSON object of at most {@value #MAX_BODY_BYTES} bytes (413 beyond),
 * no key twice, nesting at most {@value #MAX_DEPTH} deep; {@code type} (letters), {@code channelId},
 * {@code serviceUrl} (an absolute http(s) URL without credentials, query or fragment) required;
 * {@code id}, {@code name}, {@code replyToId}, {@code from {id, name, aadObjectId}},
 * {@code conversation {id, tenantId}}, {@code channelData.tenant.id} strings of bounded length
 * without control characters when present (a name may hold any printable text); JSON
 * {@code null} counts as absent. Anything else is a 400 {@link TeamsRefusal} with code
 * {@code invalid_activity}. The activity's own claims (channel, tenant, service URL) are only
 * believed once {@link BotFrameworkAuth#admit} has matched them with the token.
 *
 * <p>Meaning ({@link #meaning()}, as {@code CardActions} reads it): an {@code adaptiveCard/action}
 * invoke of {@code Action.Execute} is a {@link TeamsVote} (trigger {@code manual}, verb
 * {@code approve} or {@code deny}) or a {@link CardRefresh} (trigger {@code automatic}, or verb
 * {@code refresh}); another action type is 400 {@code unsupported_action}, another verb 400
 * {@code unknown_verb}. A {@code message} whose {@code value} has a {@code verb} is a legacy
 * {@code Action.Submit} vote. Everything else is an {@link IgnoredActivity}.
 */
public final class TeamsActivity implements ActivityReading {
    /** The largest body read. */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    static final int MAX_DEPTH = 32;
    static final int MAX_ID = 256;
    static final int MAX_CONVERSATION_ID = 1024;
    static final int MAX_URL = 2048;

    private static final Pattern TYPE = Pattern.compile("[A-Za-z]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_BODY_BYTES).build())
            .build());

    private final String type;
    private final String name;
    private final String id;
    private final String channelId;
    private final String serviceUrl;
    private final String fromId;
    private final String fromName;
    private final String fromAadObjectId;
    private final String conversationId;
    private final String conversationTenantId;
    private final String channelDataTenantId;
    private final String replyToId;
    private final JsonNode value;

    private TeamsActivity(JsonNode a) {
        type = text(a, "type", 64, true);
        if (!TYPE.matcher(type).matches()) {
            throw new Invalid("type is not an activity type");
        }
        name = text(a, "name", MAX_ID, false);
        id = text(a, "id", MAX_ID, false);
        channelId = text(a, "channelId", 64, true);
        serviceUrl = text(a, "serviceUrl", MAX_URL, true);
        checkServiceUrl(serviceUrl);
        JsonNode from = object(a, "from");
        fromId = text(from, "from.id", "id", MAX_ID, false);
        fromName = displayName(from);
        String aad = text(from, "from.aadObjectId", "aadObjectId", 64, false);
        fromAadObjectId = aad == null ? null : aad.toLowerCase(Locale.ROOT);
        JsonNode conversation = object(a, "conversation");
        conversationId = text(conversation, "conversation.id", "id", MAX_CONVERSATION_ID, false);
        conversationTenantId = text(conversation, "conversation.tenantId", "tenantId", 64, false);
        JsonNode tenant = object(object(a, "channelData"), "channelData.tenant", "tenant");
        channelDataTenantId = text(tenant, "channelData.tenant.id", "id", 64, false);
        replyToId = text(a, "replyToId", MAX_ID, false);
        JsonNode v = a.get("value");
        value = v == null ? MissingNode.getInstance() : v;
    }

    /** The activity in {@code body}, or a 400 (413 when too large) refusal saying what is wrong. Never throws. */
    public static ActivityReading read(Buffer body) {
        if (body == null || body.length() == 0) {
            return TeamsRefusal.invalid("invalid_activity", "the body is empty");
        }
        if (body.length() > MAX_BODY_BYTES) {
            return new TeamsRefusal(413, "too_large", "the activity is longer than " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body.getBytes());
        } catch (IOException | RuntimeException e) {
            return TeamsRefusal.invalid("invalid_activity", "the body is not JSON, or has a key twice or nests too deep");
        }
        if (json == null || !json.isObject()) {
            return TeamsRefusal.invalid("invalid_activity", "the body is not a JSON object");
        }
        try {
            return new TeamsActivity(json);
        } catch (Invalid e) {
            return TeamsRefusal.invalid("invalid_activity", e.getMessage());
        }
    }

    /** What this activity asks: a vote, a refresh, nothing, or a 400 refusal. */
    public TeamsInteraction meaning() {
        return CardActions.meaning(this);
    }

    public String type() {
        return type;
    }

    /** The invoke's {@code name} (such as {@code adaptiveCard/action}), or null. */
    public String name() {
        return name;
    }

    public String id() {
        return id;
    }

    public String channelId() {
        return channelId;
    }

    public String serviceUrl() {
        return serviceUrl;
    }

    /** {@code from.id} ({@code 29:…}), or null. */
    public String fromId() {
        return fromId;
    }

    public String fromName() {
        return fromName;
    }

    /** {@code from.aadObjectId}, lower case, or null. */
    public String fromAadObjectId() {
        return fromAadObjectId;
    }

    public String conversationId() {
        return conversationId;
    }

    public String replyToId() {
        return replyToId;
    }

    /**
     * The tenant the activity names, lower case: {@code conversation.tenantId}, else
     * {@code channelData.tenant.id}; null when it names none or two different ones.
     */
    public String tenantId() {
        if (tenantsDisagree()) {
            return null;
        }
        String t = conversationTenantId != null ? conversationTenantId : channelDataTenantId;
        return t == null ? null : t.toLowerCase(Locale.ROOT);
    }

    /** Whether {@code conversation.tenantId} and {@code channelData.tenant.id} are both given and differ. */
    public boolean tenantsDisagree() {
        return conversationTenantId != null && channelDataTenantId != null && !conversationTenantId.equalsIgnoreCase(channelDataTenantId);
    }

    /** The activity's {@code value} (a missing node when absent), for {@code CardActions}. */
    JsonNode value() {
        return value;
    }

    @Override
    public String toString() {
        return "activity " + type + (name == null ? "" : " " + name) + " " + TeamsRefusal.shown(id);
    }

    /** A field that cannot be read: becomes a 400. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static String text(JsonNode node, String field, int max, boolean required) {
        return text(node, field, field, max, required);
    }

    /**
     * The string {@code key} of {@code node} (called {@code field} in messages): at most {@code max}
     * characters, no control characters; null when absent and not {@code required}.
     */
    static String text(JsonNode node, String field, String key, int max, boolean required) {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new Invalid("the activity has no " + field);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new Invalid(field + " is not a string");
        }
        String s = v.textValue();
        if (s.isEmpty() && required) {
            throw new Invalid(field + " is empty");
        }
        if (s.length() > max) {
            throw new Invalid(field + " is longer than " + max + " characters");
        }
        if (s.codePoints().anyMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029)) {
            throw new Invalid(field + " holds control characters");
        }
        return s.isEmpty() ? null : s;
    }

    private static JsonNode object(JsonNode node, String field) {
        return object(node, field, field);
    }

    private static JsonNode object(JsonNode node, String field, String key) {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new Invalid(field + " is not an object");
        }
        return v;
    }

    /** {@code from.name}: any printable text up to {@value #MAX_ID} characters, line breaks and controls refused. */
    private static String displayName(JsonNode from) {
        return text(from, "from.name", "name", MAX_ID, false);
    }

    private static void checkServiceUrl(String url) {
        try {
            URI uri = new URI(url);
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new Invalid("serviceUrl is not an absolute http(s) URL without credentials, query or fragment");
    }
}
