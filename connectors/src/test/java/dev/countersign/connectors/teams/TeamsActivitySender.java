package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * Makes the activities the Bot Connector POSTs to a bot when a reviewer acts on a card in Teams —
 * a click on an {@code Action.Execute} button, Teams refreshing a card, a legacy
 * {@code Action.Submit}, a conversation update, a plain message — each carrying a token minted by
 * a {@link FakeBotIssuer} for the activity's {@code serviceUrl}, genuine unless forged
 * ({@link ActivityRequest#forged}). For end-to-end tests: {@link ActivityRequest#send} them to a
 * node's messaging endpoint and expect 200 and one vote, or 401/403 and none.
 *
 * <p>The activities are shaped as Teams sends them in a team's channel: {@code from} with
 * {@code 29:…} id, name and {@code aadObjectId}; {@code conversation} with the channel thread's id
 * and {@code tenantId}; {@code channelData} with channel, team and tenant; {@code replyToId} the
 * card's activity id; {@code recipient} the bot ({@code 28:<app id>}).
 */
public final class TeamsActivitySender {
    /** A bot's Microsoft App ID for tests. */
    public static final String APP_ID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
    /** The tenant whose reviewers vote, in tests. */
    public static final String TENANT_ID = "0c6f1d2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5";
    /** Another organisation's tenant. */
    public static final String OTHER_TENANT_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
    public static final String CHANNEL_THREAD = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2";
    public static final String CARD_ACTIVITY_ID = "1767225600000";

    /** A Teams user: Azure AD object id (what to authorize on), Teams user id ({@code 29:…}), display name. */
    public record Reviewer(String aadObjectId, String userId, String name) {
    }

    public static final Reviewer CAROL = new Reviewer("6b1f0c3a-2d4e-4f5a-9b6c-7d8e9f0a1b2c",
            "29:1Carol-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "Carol Reviewer");
    public static final Reviewer DAN = new Reviewer("7c2a1d4b-3e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "29:1Dan-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210", "Dan Approver");

    private final FakeBotIssuer issuer;
    private final String appId;
    private final String tenantId;
    private final String serviceUrl;
    private final String conversationId;
    private final String cardActivityId;

    /** Activities for bot {@code appId} from {@code tenantId}, through the Bot Connector at {@code serviceUrl}, on the card {@link #CARD_ACTIVITY_ID}. */
    public TeamsActivitySender(FakeBotIssuer issuer, String appId, String tenantId, String serviceUrl) {
        this(issuer, appId, tenantId, serviceUrl, CHANNEL_THREAD + ";messageid=" + CARD_ACTIVITY_ID, CARD_ACTIVITY_ID);
    }

    private TeamsActivitySender(FakeBotIssuer issuer, String appId, String tenantId, String serviceUrl, String conversationId,
                                String cardActivityId) {
        this.issuer = issuer;
        this.appId = appId;
        this.tenantId = tenantId;
        this.serviceUrl = serviceUrl;
        this.conversationId = conversationId;
        this.cardActivityId = cardActivityId;
    }

    /** The same sender, acting on the card {@code activityId} in {@code conversation} (as the Bot Connector answered a post). */
    public TeamsActivitySender onCard(String conversation, String activityId) {
        return new TeamsActivitySender(issuer, appId, tenantId, serviceUrl, conversation, activityId);
    }

    public String serviceUrl() {
        return serviceUrl;
    }

    /** {@code who} clicks an {@code Action.Execute} button with {@code verb} on the card of {@code approvalId}, having typed {@code reason} (or null). */
    public ActivityRequest execute(String verb, String approvalId, String reason, Reviewer who) {
        return invoke(verb, approvalId, reason, "manual", who);
    }

    /** Teams refreshes the card of {@code approvalId} for {@code who} by itself (trigger {@code automatic}, verb {@code refresh}). */
    public ActivityRequest refresh(String approvalId, Reviewer who) {
        return invoke("refresh", approvalId, null, "automatic", who);
    }

    /** An {@code adaptiveCard/action} invoke with any {@code verb} and {@code trigger}. */
    public ActivityRequest invoke(String verb, String approvalId, String reason, String trigger, Reviewer who) {
        ObjectNode a = base("invoke", who);
        a.put("name", "adaptiveCard/action");
        ObjectNode value = a.putObject("value");
        ObjectNode action = value.putObject("action").put("type", "Action.Execute").put("title", title(verb)).put("verb", verb);
        ObjectNode data = action.putObject("data").put("approval_id", approvalId);
        if (reason != null) {
            data.put("reason", reason);
        }
        value.put("trigger", trigger);
        return request(a);
    }

    /** {@code who} clicks the fallback {@code Action.Submit} (a client without Universal Actions): a message whose value is the button's data. */
    public ActivityRequest submit(String verb, String approvalId, String reason, Reviewer who) {
        ObjectNode a = base("message", who);
        ObjectNode value = a.putObject("value").put("verb", verb).put("approval_id", approvalId);
        if (reason != null) {
            value.put("reason", reason);
        }
        return request(a);
    }

    /** The bot added to the conversation. */
    public ActivityRequest conversationUpdate() {
        ObjectNode a = base("conversationUpdate", null);
        a.putArray("membersAdded").addObject().put("id", "28:" + appId);
        a.remove("replyToId");
        ((ObjectNode) a.path("channelData")).put("eventType", "teamMemberAdded");
        return request(a);
    }

    /** {@code who} writes {@code text} to the bot. */
    public ActivityRequest message(String text, Reviewer who) {
        ObjectNode a = base("message", who);
        a.put("text", text).put("textFormat", "plain");
        a.remove("replyToId");
        return request(a);
    }

    /** Any activity, with a genuine token for its {@code serviceUrl}. */
    public ActivityRequest activity(ObjectNode activity) {
        return request(activity.deepCopy());
    }

    private ActivityRequest request(ObjectNode activity) {
        return new ActivityRequest(issuer, appId, activity, FakeBotIssuer.Forgery.NONE);
    }

    private ObjectNode base(String type, Reviewer who) {
        ObjectNode a = FakeBotIssuer.JSON.createObjectNode().put("type", type)
                .put("id", "f:" + UUID.randomUUID().toString().replace("-", "").substring(0, 19))
                .put("timestamp", Instant.now().toString()).put("localTimestamp", Instant.now().toString())
                .put("serviceUrl", serviceUrl).put("channelId", "msteams");
        if (who != null) {
            a.putObject("from").put("id", who.userId()).put("name", who.name()).put("aadObjectId", who.aadObjectId());
        }
        a.putObject("conversation").put("isGroup", true).put("conversationType", "channel").put("tenantId", tenantId)
                .put("id", conversationId);
        a.putObject("recipient").put("id", "28:" + appId).put("name", "Countersign");
        a.putArray("entities").addObject().put("locale", "en-US").put("country", "US").put("platform", "Web")
                .put("timezone", "Europe/Berlin").put("type", "clientInfo");
        ObjectNode channelData = a.putObject("channelData");
        channelData.putObject("channel").put("id", CHANNEL_THREAD);
        channelData.putObject("team").put("id", CHANNEL_THREAD);
        channelData.putObject("tenant").put("id", tenantId);
        channelData.putObject("source").put("name", "message");
        channelData.putObject("legacy").put("replyToId", "1:1" + cardActivityId);
        a.put("replyToId", cardActivityId).put("locale", "en-US");
        return a;
    }

    private static String title(String verb) {
        return verb.isEmpty() ? verb : Character.toUpperCase(verb.charAt(0)) + verb.substring(1);
    }
}
