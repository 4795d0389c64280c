package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The state behind {@link FakeBotConnector}: the channels, conversations and users the bot knows, the
 * activities it sent with every version of each, and what the Bot Connector answers to each
 * operation. Every activity is checked as Teams would: a message with a type, text or attachments,
 * attachments of a known content type holding a valid Adaptive Card, a known text format, mention
 * entities whose text is in the message; a thread started or a personal chat created with the tenant.
 * A top-level post in a channel ({@code 19:…@thread.tacv2}) is the root of a thread Teams names
 * {@code <channel>;messageid=<post>}: what is sent there is a reply in that thread (listed with the
 * channel's activities), while a reply sent to the channel itself, naming the post only as its
 * {@code replyToId}, would show as a new post and is a violation.
 * Synchronized: requests arrive on several event loops.
 */
final class FakeConversations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TEXT_FORMATS = Set.of("plain", "markdown", "xml");

    /** An answer to one operation: a status, the error code (null for none), a JSON body, and a Retry-After (null for none). */
    record Answer(int status, String code, JsonNode body, Long retryAfterSeconds) {
        static Answer ok(int status, JsonNode body) {
            return new Answer(status, null, body, null);
        }

        static Answer error(int status, String code, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.putObject("error").put("code", code).put("message", message);
            return new Answer(status, code, body, null);
        }

        Answer withRetryAfter(long seconds) {
            return new Answer(status, code, body, seconds);
        }
    }

    private static final class Conversation {
        final List<String> order = new ArrayList<>();
        final Map<String, List<StoredActivity>> versions = new LinkedHashMap<>();
    }

    private final String appId;
    private final String tenant;
    private final Consumer<String> violation;
    private final Set<String> channels = ConcurrentHashMap.newKeySet();
    private final Set<String> users = ConcurrentHashMap.newKeySet();
    private final Set<String> blocked = ConcurrentHashMap.newKeySet();
    private final Map<String, Conversation> conversations = new LinkedHashMap<>();
    private final Map<String, String> personal = new LinkedHashMap<>();
    private final Map<String, List<String>> threads = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong(1772445600000L);

    FakeConversations(String appId, String tenant, Consumer<String> violation) {
        this.appId = appId;
        this.tenant = tenant;
        this.violation = violation;
    }

    synchronized void conversation(String id) {
        conversations.computeIfAbsent(id, k -> new Conversation());
    }

    synchronized void channel(String id) {
        channels.add(id);
        conversation(id);
    }

    void user(String id) {
        users.add(id);
    }

    void block(String conversation) {
        blocked.add(conversation);
    }

    synchronized boolean knows(String conversation) {
        return conversations.containsKey(conversation);
    }

    /** {@code POST v3/conversations}: a new thread in a channel, or the personal chat with one user. */
    synchronized Answer create(JsonNode body) {
        if (!tenant.equals(body.path("channelData").path("tenant").path("id").asText())) {
            violation.accept("a conversation was created without the tenant in channelData.tenant.id");
            return Answer.error(400, "BadArgument", "Tenant id is required.");
        }
        if (body.has("bot") && !("28:" + appId).equals(body.path("bot").path("id").asText())) {
            violation.accept("a conversation was created for bot " + body.path("bot").path("id") + ", not 28:" + appId);
        }
        if (body.path("isGroup").asBoolean(false)) {
            String channel = body.path("channelData").path("channel").path("id").asText("");
            if (!channels.contains(channel)) {
                return Answer.error(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.");
            }
            if (!body.path("activity").isObject()) {
                violation.accept("a channel thread was created without its first activity");
                return Answer.error(400, "BadArgument", "Activity is required to start a thread.");
            }
            Answer refused = check(body.path("activity"));
            if (refused != null) {
                return refused;
            }
            String activityId = nextId();
            String thread = channel + ";messageid=" + activityId;
            conversation(thread);
            store(thread, activityId, body.path("activity"));
            threads.computeIfAbsent(channel, k -> new ArrayList<>()).add(thread);
            return Answer.ok(201, JSON.createObjectNode().put("id", thread).put("activityId", activityId));
        }
        JsonNode members = body.path("members");
        if (!members.isArray() || members.size() != 1 || !members.path(0).path("id").isTextual()) {
            violation.accept("a personal chat was created without exactly one member");
            return Answer.error(400, "BadArgument", "Exactly one member is required for a personal conversation.");
        }
        String user = members.path(0).path("id").textValue();
        if (!users.contains(user)) {
            return Answer.error(403, "BotNotInConversationRoster", "The bot is not installed for the user.");
        }
        String chat = personal.computeIfAbsent(user, u -> "a:1" + Long.toHexString(u.hashCode() & 0xffffffffL) + "fakechat");
        conversation(chat);
        return Answer.ok(201, JSON.createObjectNode().put("id", chat));
    }

    /** {@code POST v3/conversations/{id}/activities}, or {@code …/activities/{replyTo}} when {@code replyTo} is given. */
    synchronized Answer send(String conversation, String replyTo, JsonNode activity) {
        String held = holder(conversation);
        Conversation c = conversations.get(held);
        if (c == null) {
            return Answer.error(404, "ConversationNotFound", "Conversation not found.");
        }
        if (blocked.contains(held)) {
            return Answer.error(403, "MessageWritesBlocked", "Message writes are blocked in this conversation.");
        }
        Answer refused = check(activity);
        if (refused != null) {
            return refused;
        }
        String parent = replyTo != null ? replyTo : activity.path("replyToId").textValue();
        if (replyTo != null && activity.has("replyToId") && !replyTo.equals(activity.path("replyToId").asText())) {
            violation.accept("a reply to " + replyTo + " names replyToId " + activity.path("replyToId"));
        }
        if (parent != null && !c.versions.containsKey(parent) && !conversation.endsWith(";messageid=" + parent)) {
            violation.accept("a reply in " + conversation + " names replyToId " + parent + ", which is no activity there");
        }
        if (replyTo == null && parent != null && TeamsIds.isChannel(conversation)) {
            violation.accept("a reply to " + parent + " was sent to the channel " + conversation + " itself, where Teams shows it as a new"
                    + " post; a reply in a channel goes to the thread's conversation " + conversation + ";messageid=" + parent);
        }
        String id = nextId();
        store(held, id, activity);
        return Answer.ok(201, JSON.createObjectNode().put("id", id));
    }

    /** {@code PUT v3/conversations/{id}/activities/{activityId}}: the whole activity replaced. */
    synchronized Answer update(String conversation, String activityId, JsonNode activity) {
        conversation = holder(conversation);
        Conversation c = conversations.get(conversation);
        if (c == null) {
            return Answer.error(404, "ConversationNotFound", "Conversation not found.");
        }
        if (!c.versions.containsKey(activityId)) {
            return Answer.error(404, "NotFound", "The activity was not found in the conversation.");
        }
        if (blocked.contains(conversation)) {
            return Answer.error(403, "MessageWritesBlocked", "Message writes are blocked in this conversation.");
        }
        Answer refused = check(activity);
        if (refused != null) {
            return refused;
        }
        if (activity.has("id") && !activityId.equals(activity.path("id").asText())) {
            violation.accept("the update of " + activityId + " carries id " + activity.path("id"));
        }
        List<StoredActivity> versions = c.versions.get(activityId);
        versions.add(new StoredActivity(conversation, activityId, activity, versions.size(), Instant.now()));
        return Answer.ok(200, JSON.createObjectNode().put("id", activityId));
    }

    /**
     * The conversation that holds what is sent to {@code conversation}: itself, or for the thread
     * {@code <channel>;messageid=<post>} of a post made to a channel (Teams names the thread of every
     * top-level channel post so), that channel, whose activities list the thread's replies too.
     */
    private String holder(String conversation) {
        if (conversations.containsKey(conversation) || !conversation.contains(";messageid=")) {
            return conversation;
        }
        String channel = conversation.substring(0, conversation.indexOf(";messageid="));
        String post = conversation.substring(conversation.indexOf(";messageid=") + ";messageid=".length());
        Conversation c = conversations.get(channel);
        return TeamsIds.isChannel(channel) && c != null && c.versions.containsKey(post) ? channel : conversation;
    }

    /** The activities of {@code conversation} as they now stand, in the order they were sent. */
    synchronized List<StoredActivity> activities(String conversation) {
        Conversation c = conversations.get(conversation);
        if (c == null) {
            return List.of();
        }
        return c.order.stream().map(id -> last(c.versions.get(id))).toList();
    }

    /** Every version of activity {@code id} in {@code conversation}, oldest first. */
    synchronized List<StoredActivity> versions(String conversation, String id) {
        Conversation c = conversations.get(conversation);
        return c == null || !c.versions.containsKey(id) ? List.of() : List.copyOf(c.versions.get(id));
    }

    synchronized List<String> threads(String channel) {
        return List.copyOf(threads.getOrDefault(channel, List.of()));
    }

    synchronized String personalChat(String user) {
        return personal.get(user);
    }

    /** The refusal a real Bot Connector answers {@code activity} with, or null; problems it would not refuse are violations. */
    private Answer check(JsonNode activity) {
        if (!activity.isObject()) {
            violation.accept("an activity is not a JSON object");
            return Answer.error(400, "BadArgument", "The activity is not an object.");
        }
        if (!activity.path("type").isTextual()) {
            violation.accept("an activity has no type");
            return Answer.error(400, "BadArgument", "Activity type is required.");
        }
        if (!"message".equals(activity.path("type").asText())) {
            violation.accept("an activity of type " + activity.path("type") + " was sent");
            return Answer.error(400, "BadArgument", "Unsupported activity type.");
        }
        JsonNode attachments = activity.path("attachments");
        String text = activity.path("text").asText("");
        if (text.isEmpty() && (!attachments.isArray() || attachments.isEmpty())) {
            violation.accept("a message has neither text nor attachments");
            return Answer.error(400, "BadArgument", "A message needs text or attachments.");
        }
        for (JsonNode a : attachments) {
            if (!TeamsCards.CONTENT_TYPE.equals(a.path("contentType").asText())) {
                violation.accept("an attachment of content type " + a.path("contentType") + " was sent");
                return Answer.error(400, "BadArgument", "Unknown attachment content type.");
            }
            AdaptiveCardRules.problems(a.path("content")).forEach(p -> violation.accept("the card would not render as intended: " + p));
        }
        if (activity.has("textFormat") && !TEXT_FORMATS.contains(activity.path("textFormat").asText())) {
            violation.accept("textFormat " + activity.path("textFormat") + " is not plain, markdown or xml");
        }
        int mentions = 0;
        for (JsonNode e : activity.path("entities")) {
            if (!"mention".equals(e.path("type").asText())) {
                continue;
            }
            mentions++;
            String id = e.path("mentioned").path("id").asText("");
            if (!TeamsIds.isUser(id) && !TeamsIds.isAadObjectId(id)) {
                violation.accept("a mention of " + e.path("mentioned").path("id") + ", which is no user id");
            }
            if (!e.path("text").isTextual() || !text.contains(e.path("text").asText())) {
                violation.accept("a mention's text " + e.path("text") + " is not in the message text");
            }
        }
        int ats = text.split("<at>", -1).length - 1;
        if (ats != mentions) {
            violation.accept("the message text holds " + ats + " <at> tags for " + mentions + " mention entities");
        }
        return null;
    }

    private void store(String conversation, String id, JsonNode activity) {
        Conversation c = conversations.get(conversation);
        c.order.add(id);
        List<StoredActivity> versions = new ArrayList<>();
        versions.add(new StoredActivity(conversation, id, activity, 0, Instant.now()));
        c.versions.put(id, versions);
    }

    private String nextId() {
        return Long.toString(ids.incrementAndGet());
    }

    private static StoredActivity last(List<StoredActivity> versions) {
        return versions.get(versions.size() - 1);
    }
}
