package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ChatConnector;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Health;
import dev.countersign.connectors.Sent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reviewers in Microsoft Teams, through the Bot Framework's Bot Connector with the bot's app
 * credentials ({@link TeamsSettings}).
 *
 * <p>Destinations:
 * <ul>
 *   <li>{@code teams:<conversation id>}: a channel or group chat {@code teams:19:…@thread.tacv2}, a
 *       thread of a channel {@code teams:19:…@thread.tacv2;messageid=…}, a personal chat with the bot
 *       {@code teams:a:…} — the card is posted there ({@code POST v3/conversations/{id}/activities});</li>
 *   <li>{@code teams:29:…}: a person, by their Teams user id; the bot's personal chat with them is
 *       created (or found: the Bot Connector answers with the existing one) and the card posted there,
 *       so {@link Sent#conversation()} is that chat's {@code a:…} id, not the user id;</li>
 *   <li>{@code teams:channel:<channel id>}: a new thread in that channel
 *       ({@code POST v3/conversations} with {@code isGroup} and the channel), whose
 *       {@link Sent#conversation()} is the thread's own conversation id
 *       ({@code 19:…;messageid=…}), so updates and replies go to the thread.</li>
 * </ul>
 * The bot must be installed where it posts (the team, the chat, or for the person); Teams answers
 * 403 or 404 otherwise, a permanent failure. Conversation ids are percent-encoded in paths.
 *
 * <p>{@link #find} cannot look: the Bot Connector offers no way to list a conversation's messages.
 * It answers empty, and a caller that posts again after an attempt whose answer was lost (the node
 * died, a timeout after the request was sent) may leave a second card; the first one then stays as
 * it was, buttons included, and its clicks still name the approval and are counted as any other.
 *
 * <p>Beyond the workflow calls: {@link #post(Destination, ApprovalMessage, List)} and
 * {@link #update(Sent, ApprovalMessage, List)} with a card refresh for the users whose own view the
 * pdp renders ({@link TeamsCards}), and {@link #replyMentioning} with the names the mentions show.
 * <p>Failures: 401 drops the token and makes the call once more with a new one (a second 401 is
 * permanent); 429 is rate limited for its {@code Retry-After}, and <b>transient without one</b>, so
 * that the caller backs off exponentially with jitter as Microsoft asks rather than retrying at a
 * fixed pace; 412, 502, 504, other 5xx, connection failures and timeouts are transient; 403 (such as
 * {@code MessageWritesBlocked}), 404 (on an update: the activity is gone), 413
 * ({@code MessageSizeTooBig}) and other 4xx are permanent. A failure's code is the Bot Connector's
 * {@code error.code}, its message never holds the token or the app password. Nothing else is
 * retried here.
 */
public final class TeamsConnector implements ChatConnector {
    public static final String KIND = "teams";
    /** Longest reply text, before escaping and mentions. */
    static final int REPLY_TEXT = 3000;
    /** The most people one reply mentions. */
    static final int MAX_MENTIONS = 50;
    private static final String CHANNEL = "channel:";

    private final TeamsSettings settings;
    private final BotConnectorApi api;

    public TeamsConnector(Vertx vertx, TeamsSettings settings) {
        this.settings = settings;
        this.api = new BotConnectorApi(vertx, settings);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Destination destination(String spec) {
        if (spec == null || !spec.startsWith(KIND + ":")) {
            throw new IllegalArgumentException(TeamsIds.shown(spec)
                    + " is not a Teams destination; give teams: and a conversation id, such as teams:19:…@thread.tacv2");
        }
        String target = spec.substring(KIND.length() + 1);
        String problem = TeamsIds.targetProblem(spec, target);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new Destination(KIND, target);
    }

    @Override
    public Future<Sent> post(Destination destination, ApprovalMessage message) {
        return post(destination, message, null);
    }

    /**
     * {@link #post(Destination, ApprovalMessage)} with a card that, while pending, refreshes itself for
     * {@code refreshUserIds} (Teams user ids {@code 29:…}, at most 60; null for no refresh), as
     * {@link TeamsCards#card(ApprovalMessage, List)} renders it.
     */
    public Future<Sent> post(Destination destination, ApprovalMessage message, List<String> refreshUserIds) {
        Destination to;
        ObjectNode activity;
        try {
            to = destination(destination == null ? null : destination.spec());
            activity = cardActivity(TeamsCards.card(message, refreshUserIds), message);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        String target = to.target();
        if (target.startsWith(CHANNEL)) {
            return newThread(to, target.substring(CHANNEL.length()), activity);
        }
        if (TeamsIds.isUser(target)) {
            return personalChat(target).compose(chat -> send(to, chat, activity, "a card posted to the personal chat with " + target));
        }
        return send(to, target, activity, "a card posted to " + target);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Teams: always empty, after checking the arguments. The Bot Connector cannot list a
     * conversation's messages, so a card posted by an attempt whose answer was lost is not found, and
     * posting again leaves a second card.
     */
    @Override
    public Future<Optional<Sent>> find(Destination destination, String approvalId, Instant since) {
        try {
            destination(destination == null ? null : destination.spec());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        if (approvalId == null || approvalId.isEmpty() || since == null) {
            return Future.failedFuture(new IllegalArgumentException("a card is found by its approval id, since an instant; both are needed"));
        }
        return Future.succeededFuture(Optional.empty());
    }

    @Override
    public Future<Void> update(Sent sent, ApprovalMessage message) {
        return update(sent, message, null);
    }

    /** {@link #update(Sent, ApprovalMessage)} with the card refreshing itself for {@code refreshUserIds} while pending. */
    public Future<Void> update(Sent sent, ApprovalMessage message, List<String> refreshUserIds) {
        String problem = sentProblem(sent);
        if (problem != null) {
            return Future.failedFuture(new IllegalArgumentException(problem));
        }
        ObjectNode activity;
        try {
            activity = cardActivity(TeamsCards.card(message, refreshUserIds), message);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        activity.put("id", sent.messageId());
        return api.call(HttpMethod.PUT, activityPath(sent.conversation()) + "/" + TeamsIds.pathSegment(sent.messageId()), activity,
                "the update of " + sent.conversation() + " activity " + sent.messageId()).mapEmpty();
    }

    /**
     * {@inheritDoc} Teams shows a mention as the text it is given and does not look names up: each
     * mention here shows its id. {@link #replyMentioning} takes the names to show.
     *
     * @param mentions Teams user ids ({@code 29:…}) or Entra object ids
     */
    @Override
    public Future<Sent> reply(Sent parent, String text, List<String> mentions) {
        List<TeamsMention> named = new ArrayList<>();
        try {
            for (String id : mentions == null ? List.<String>of() : mentions) {
                named.add(new TeamsMention(id, id));
            }
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return replyMentioning(parent, text, named);
    }

    /**
     * Replies in the thread of {@code parent} with {@code text}, shown as written (it can never mention
     * or link anyone), after {@code mentions}, each shown as {@code @name}: a message with
     * {@code replyToId} in the parent's thread ({@link #threadOf}), {@code textFormat: xml}, and one
     * {@code mention} entity per mention whose text is the {@code <at>…</at>} in the message.
     */
    public Future<Sent> replyMentioning(Sent parent, String text, List<TeamsMention> mentions) {
        List<TeamsMention> mention = mentions == null ? List.of() : mentions.stream().filter(m -> m != null).toList();
        String problem = sentProblem(parent);
        if (problem == null && mention.size() > MAX_MENTIONS) {
            problem = "a reply mentions at most " + MAX_MENTIONS + " people; " + mention.size() + " were given";
        }
        if (problem == null && mention.isEmpty() && AdaptiveText.clean(text == null ? "" : text, false).isBlank()) {
            problem = "a reply needs text or someone to mention; Teams refuses an empty message";
        }
        if (problem != null) {
            return Future.failedFuture(new IllegalArgumentException(problem));
        }
        StringBuilder shown = new StringBuilder();
        ObjectNode activity = BotConnectorApi.MAPPER.createObjectNode().put("type", "message").put("textFormat", "xml");
        ArrayNode entities = BotConnectorApi.MAPPER.createArrayNode();
        for (TeamsMention m : mention) {
            String name = AdaptiveText.plain(m.name(), 100);
            String at = "<at>" + AdaptiveText.xml(name.isBlank() ? m.id() : name, 120) + "</at>";
            shown.append(at).append(' ');
            ObjectNode entity = entities.addObject().put("type", "mention").put("text", at);
            entity.putObject("mentioned").put("id", m.id()).put("name", name.isBlank() ? m.id() : name);
        }
        shown.append(AdaptiveText.xml(text, REPLY_TEXT));
        activity.put("text", shown.toString()).put("replyToId", parent.messageId());
        if (!entities.isEmpty()) {
            activity.set("entities", entities);
        }
        String thread = threadOf(parent);
        return send(parent.destination(), thread, activity, "a reply in " + thread + " to " + parent.messageId());
    }

    /**
     * The conversation a reply to {@code parent} goes to: for a post in a channel, the thread Teams
     * made of it, {@code <channel>;messageid=<post>} (sent to the channel itself, even naming the post
     * as {@code replyToId}, it would show as a new post); otherwise the parent's own conversation (a
     * thread already, a group or personal chat).
     */
    static String threadOf(Sent parent) {
        return TeamsIds.isChannel(parent.conversation()) ? parent.conversation() + ";messageid=" + parent.messageId() : parent.conversation();
    }

    /**
     * Sends {@code message} without buttons to the bot's personal chat with a person, created for the
     * purpose (or found: Teams answers with the existing chat), given their Teams user id
     * ({@code 29:…}) or Entra object id (which Teams accepts for a personal chat when the bot is
     * installed for the person).
     */
    @Override
    public Future<Void> notify(String personHandle, ApprovalMessage message) {
        if (!reaches(personHandle)) {
            return Future.failedFuture(new IllegalArgumentException(TeamsIds.shown(personHandle)
                    + " is neither a Teams user id (29:…) nor an Entra object id"));
        }
        ObjectNode activity = cardActivity(TeamsCards.notice(message), message);
        return personalChat(personHandle)
                .compose(chat -> send(new Destination(KIND, chat), chat, activity, "a notice to the personal chat with " + personHandle))
                .mapEmpty();
    }

    /** Only a Teams user id ({@code 29:…}) or an Entra object id: Teams cannot look a person up by email address. */
    @Override
    public boolean reaches(String personHandle) {
        return TeamsIds.isUser(personHandle) || TeamsIds.isAadObjectId(personHandle);
    }

    /** A Bot Framework token from the token endpoint: up with the app and tenant, or down with the endpoint's reason. */
    @Override
    public Future<Health> health() {
        return api.token()
                .map(token -> Health.up("app " + settings.appId() + " in tenant " + settings.tenantId() + ": a Bot Framework token was issued"))
                .otherwise(e -> Health.down(e instanceof ConnectorFailure f ? f.code() + ": " + f.getMessage() : String.valueOf(e.getMessage())));
    }

    @Override
    public Future<Void> close() {
        return api.close();
    }

    private ObjectNode cardActivity(ObjectNode card, ApprovalMessage message) {
        ObjectNode activity = BotConnectorApi.MAPPER.createObjectNode().put("type", "message").put("summary", TeamsCards.summary(message));
        activity.putArray("attachments").add(TeamsCards.attachment(card));
        return activity;
    }

    private Future<Sent> send(Destination to, String conversation, ObjectNode activity, String about) {
        return api.call(HttpMethod.POST, activityPath(conversation), activity, about).compose(answer -> {
            String id = answer.path("id").textValue();
            if (!TeamsIds.isActivity(id)) {
                return Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer",
                        "the Bot Connector's answer to " + about + " carries no activity id"));
            }
            return Future.succeededFuture(new Sent(to, conversation, id));
        });
    }

    /** A new thread in {@code channel} whose first message is {@code activity}. */
    private Future<Sent> newThread(Destination to, String channel, ObjectNode activity) {
        ObjectNode body = conversation(true);
        ((ObjectNode) body.get("channelData")).putObject("channel").put("id", channel);
        body.set("activity", activity);
        String about = "a new thread in channel " + channel;
        return api.call(HttpMethod.POST, "v3/conversations", body, about).compose(answer -> {
            String thread = answer.path("id").textValue();
            String activityId = answer.path("activityId").textValue();
            if (activityId == null && thread != null && thread.contains(";messageid=")) {
                activityId = thread.substring(thread.indexOf(";messageid=") + ";messageid=".length());
            }
            if (!TeamsIds.isConversation(thread) || !TeamsIds.isActivity(activityId)) {
                return Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer",
                        "the Bot Connector's answer to " + about + " carries no conversation id and activity id"));
            }
            return Future.succeededFuture(new Sent(to, thread, activityId));
        });
    }

    /** The id of the bot's personal chat with {@code user} (a Teams user id or Entra object id). */
    private Future<String> personalChat(String user) {
        ObjectNode body = conversation(false);
        body.putArray("members").addObject().put("id", user);
        String about = "the personal chat with " + user;
        return api.call(HttpMethod.POST, "v3/conversations", body, about).compose(answer -> {
            String id = answer.path("id").textValue();
            return TeamsIds.isConversation(id) ? Future.succeededFuture(id)
                    : Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer",
                            "the Bot Connector's answer to " + about + " carries no conversation id"));
        });
    }

    /** The body of a conversation to create: the bot, the tenant, group or not. */
    private ObjectNode conversation(boolean group) {
        ObjectNode body = BotConnectorApi.MAPPER.createObjectNode().put("isGroup", group);
        body.putObject("bot").put("id", "28:" + settings.appId());
        body.put("tenantId", settings.tenantId());
        body.putObject("channelData").putObject("tenant").put("id", settings.tenantId());
        return body;
    }

    private static String activityPath(String conversation) {
        return "v3/conversations/" + TeamsIds.pathSegment(conversation) + "/activities";
    }

    /** Why {@code sent} is not a Teams message this connector can update or reply to, or null. */
    private static String sentProblem(Sent sent) {
        if (sent == null || !KIND.equals(sent.destination().kind())) {
            return "not a Teams message: " + sent;
        }
        if (!TeamsIds.isConversation(sent.conversation())) {
            return TeamsIds.shown(sent.conversation()) + " is not a Teams conversation id; keep the conversation the post answered with";
        }
        if (!TeamsIds.isActivity(sent.messageId())) {
            return TeamsIds.shown(sent.messageId()) + " is not a Teams activity id";
        }
        return null;
    }
}
