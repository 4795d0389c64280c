package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ChatConnector;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Health;
import dev.countersign.connectors.Sent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reviewers in Slack, through the Web API with a bot token ({@link SlackSettings}).
 *
 * <p>Destinations are {@code slack:<id>}: a channel {@code C…}, a private channel {@code G…}, a
 * direct-message channel {@code D…}, or a user {@code U…}/{@code W…} (the bot's direct messages
 * with them). Names are refused: they change, and {@code chat.update} takes only ids. The bot must
 * be in a channel to post there ({@code not_in_channel} otherwise, a permanent failure).
 *
 * <p>Scopes: {@code chat:write} (post, update, reply, notify; {@code views.open} needs no scope of
 * its own), {@code users:read} and {@code users:read.email} ({@link #user}, {@link #email},
 * {@link #notify} by email), {@code channels:history}, {@code groups:history} and
 * {@code im:history} ({@link #find} in public channels, private channels and direct messages).
 *
 * <p>A card {@link #post}ed carries message metadata naming its approval
 * ({@code {"event_type":"countersign_approval","event_payload":{"approval_id":…}}}), invisible to
 * reviewers, by which {@link #find} knows it again; replies and notices carry none.
 *
 * <p>Beyond the workflow calls: {@link #openDenyReason} (the modal asking why, from a Deny click),
 * {@link #ephemeral} (a private answer to a clicker), {@link #user} and {@link #email}. Cards are
 * posted with link unfurling off, so Slack fetches nothing a requester named.
 */
public final class SlackConnector implements ChatConnector {
    public static final String KIND = "slack";
    private static final Pattern TS = Pattern.compile("[0-9]{1,12}\\.[0-9]{1,9}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,200}@[^@\\s]{1,200}");
    /** Longest reply text, escaped, before the mentions. */
    static final int REPLY_TEXT = 3000;

    private final SlackWebApi api;
    private final SlackUsers users;
    private final SlackIdentity identity;
    private final SlackHistory history;

    public SlackConnector(Vertx vertx, SlackSettings settings) {
        this.api = new SlackWebApi(vertx, settings);
        this.users = new SlackUsers(api, settings.userCacheSize(), settings.userCacheTtl(), settings.clock());
        this.identity = new SlackIdentity(api);
        this.history = new SlackHistory(api, identity);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Destination destination(String spec) {
        if (spec == null || !spec.startsWith(KIND + ":")) {
            throw new IllegalArgumentException((spec == null ? "null" : SlackIds.shown(spec))
                    + " is not a Slack destination; give slack: and a channel id, such as slack:C0123456789");
        }
        String target = spec.substring(KIND.length() + 1);
        String problem = SlackIds.targetProblem(spec, target);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new Destination(KIND, target);
    }

    /**
     * {@inheritDoc} The card carries its approval's id as message metadata, by which {@link #find}
     * knows it; a message without an approval id is posted without, and cannot be found.
     */
    @Override
    public Future<Sent> post(Destination destination, ApprovalMessage message) {
        Destination to;
        try {
            to = destination(destination.spec());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        ObjectNode card = SlackCards.card(message);
        if (message.approvalId() != null && !message.approvalId().isEmpty()) {
            card.set("metadata", SlackCardMetadata.of(message.approvalId()));
        }
        return postCard(to, card);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Slack: {@code conversations.history} of the destination's conversation, with
     * {@code oldest} = {@code since} to the microsecond (exclusive, as Slack reads it), 200
     * messages a page, at most 5 pages. The card is a top-level message this token's bot posted
     * (its {@code bot_id} and bot user, from {@code auth.test}, asked once and kept) whose metadata
     * names the approval. The destination must be a conversation id ({@code C…}, {@code G…},
     * {@code D…}): a card posted to a user {@code U…} is in the bot's direct-message channel with
     * them, whose id the {@link Sent} of that post would have given. When the history goes back
     * further than those 1000 messages, the oldest card among them is returned, and with none among
     * them the search fails permanently with {@code too_much_history}. Slack's refusals are
     * failures as for every call: {@code channel_not_found}, {@code not_in_channel},
     * {@code missing_scope} (the history scope of the conversation's kind) are permanent.
     */
    @Override
    public Future<Optional<Sent>> find(Destination destination, String approvalId, Instant since) {
        Destination in;
        try {
            in = destination(destination == null ? null : destination.spec());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        if (!SlackIds.isConversation(in.target())) {
            return Future.failedFuture(new IllegalArgumentException(in.spec() + " is a person, not a conversation whose history can be read;"
                    + " give the direct-message channel (D…) the card was posted in"));
        }
        if (approvalId == null || approvalId.isEmpty()) {
            return Future.failedFuture(new IllegalArgumentException("a card is found by its approval id; none was given"));
        }
        if (since == null) {
            return Future.failedFuture(new IllegalArgumentException("a card is searched for since an instant; none was given"));
        }
        return history.find(in, approvalId, since);
    }

    @Override
    public Future<Void> update(Sent sent, ApprovalMessage message) {
        String problem = sentProblem(sent);
        if (problem != null) {
            return Future.failedFuture(new IllegalArgumentException(problem));
        }
        ObjectNode body = SlackCards.card(message);
        body.put("channel", sent.conversation()).put("ts", sent.messageId());
        return api.post("chat.update", body, "of " + sent.conversation() + " " + sent.messageId()).mapEmpty();
    }

    @Override
    public Future<Sent> reply(Sent parent, String text, List<String> mentions) {
        List<String> mention = mentions == null ? List.of() : mentions;
        String problem = sentProblem(parent);
        if (problem == null) {
            problem = mention.stream().filter(u -> !SlackIds.isUser(u)).findFirst()
                    .map(u -> SlackIds.shown(String.valueOf(u)) + " is not a Slack user id to mention, such as U0123456789").orElse(null);
        }
        if (problem != null) {
            return Future.failedFuture(new IllegalArgumentException(problem));
        }
        StringBuilder shown = new StringBuilder();
        mention.forEach(u -> shown.append("<@").append(u).append("> "));
        shown.append(Mrkdwn.fit(Mrkdwn.lines(text == null ? "" : text), REPLY_TEXT));
        ObjectNode body = SlackWebApi.MAPPER.createObjectNode().put("channel", parent.conversation()).put("thread_ts", parent.messageId())
                .put("text", shown.toString()).put("unfurl_links", false).put("unfurl_media", false);
        return api.post("chat.postMessage", body, "in the thread " + parent.conversation() + " " + parent.messageId())
                .compose(answer -> sent(parent.destination(), answer));
    }

    /**
     * Sends {@code message} without buttons to the bot's direct messages with a person, named by
     * their Slack user id ({@code U…}) or their email address (looked up with
     * {@code users.lookupByEmail}; {@code users_not_found} when no one in the workspace has it).
     */
    @Override
    public Future<Void> notify(String personHandle, ApprovalMessage message) {
        Future<String> userId;
        if (SlackIds.isUser(personHandle)) {
            userId = Future.succeededFuture(personHandle);
        } else if (personHandle != null && EMAIL.matcher(personHandle).matches()) {
            userId = api.get("users.lookupByEmail", Map.of("email", personHandle), "for a person to notify").compose(answer -> {
                SlackUser user = SlackUsers.parse(answer.path("user"));
                return user == null
                        ? Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer", "Slack's users.lookupByEmail answer names no user"))
                        : Future.succeededFuture(user.id());
            });
        } else {
            return Future.failedFuture(new IllegalArgumentException((personHandle == null ? "null" : SlackIds.shown(personHandle))
                    + " is neither a Slack user id (U0123456789) nor an email address"));
        }
        return userId.compose(id -> postCard(new Destination(KIND, id), SlackCards.notice(message))).mapEmpty();
    }

    /** {@code auth.test}: up with the workspace and bot user it names, or down with Slack's reason. */
    @Override
    public Future<Health> health() {
        return identity.test()
                .map(answer -> Health.up(SlackIds.shown("workspace " + answer.path("team").asText("?") + " (" + answer.path("team_id").asText("?")
                        + "), bot user " + answer.path("user").asText("?") + " (" + answer.path("user_id").asText("?") + ")")))
                .otherwise(e -> Health.down(e instanceof ConnectorFailure f ? f.code() + ": " + f.getMessage() : String.valueOf(e.getMessage())));
    }

    /**
     * The id ({@code T…}) of the workspace the bot token belongs to, as {@code auth.test} reports it
     * (asked once and kept, also from {@link #health}): a {@link Click} or {@link DenyReason} whose
     * {@code teamId} differs comes from a user of another workspace, for example in a channel shared
     * between organisations. Fails as the other calls do when Slack cannot be asked.
     */
    public Future<String> teamId() {
        return identity.bot().map(SlackBot::teamId);
    }

    /**
     * Opens the modal asking the reviewer of a Deny {@code click} why ({@code views.open} with the
     * click's {@code trigger_id}, which Slack accepts for about 3 seconds and once). Its submission
     * comes back as a {@link DenyReason} carrying the approval id and the card's channel and ts.
     */
    public Future<Void> openDenyReason(Click click) {
        if (click.triggerId() == null || click.triggerId().isEmpty()) {
            return Future.failedFuture(new IllegalArgumentException("the click carries no trigger_id to open a modal with"));
        }
        ObjectNode body = SlackWebApi.MAPPER.createObjectNode().put("trigger_id", click.triggerId());
        try {
            body.set("view", SlackViews.denyReason(click));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return api.post("views.open", body, "for " + click.userId()).mapEmpty();
    }

    /**
     * Tells the one reviewer who clicked, privately ({@code response_type: ephemeral}, the card left
     * as it is), for example why their click changed nothing. {@code responseUrl} is the click's; it
     * must be Slack's ({@code https://hooks.slack.com/…}) and is refused otherwise, never requested.
     * {@code text} is shown as written.
     */
    public Future<Void> ephemeral(String responseUrl, String text) {
        ObjectNode body = SlackWebApi.MAPPER.createObjectNode().put("response_type", "ephemeral").put("replace_original", false)
                .put("text", Mrkdwn.fit(Mrkdwn.lines(text == null ? "" : text), REPLY_TEXT));
        return api.respond(responseUrl, body);
    }

    /** The Slack user {@code userId} ({@code users.info}, cached). */
    public Future<SlackUser> user(String userId) {
        return users.user(userId);
    }

    /**
     * The email address of {@code userId}, for the pdp to map to a reviewer. Fails permanently with
     * {@code no_email} when Slack shows none (no {@code users:read.email} scope, or a bot) and with
     * {@code user_deleted} for a deactivated account.
     */
    public Future<String> email(String userId) {
        return users.user(userId).compose(user -> {
            if (user.deleted()) {
                return Future.failedFuture(ConnectorFailure.permanent("user_deleted", "the Slack user " + user.id() + " is deactivated"));
            }
            if (user.email() == null) {
                return Future.failedFuture(ConnectorFailure.permanent("no_email",
                        "Slack shows no email for " + user.id() + " (the app needs users:read.email; bots have none)"));
            }
            return Future.succeededFuture(user.email());
        });
    }

    @Override
    public Future<Void> close() {
        return api.close();
    }

    /** Users kept in the cache now (for tests). */
    int cachedUsers() {
        return users.size();
    }

    private Future<Sent> postCard(Destination to, ObjectNode card) {
        card.put("channel", to.target()).put("unfurl_links", false).put("unfurl_media", false);
        return api.post("chat.postMessage", card, "to " + to.target()).compose(answer -> sent(to, answer));
    }

    private static Future<Sent> sent(Destination to, JsonNode answer) {
        String channel = answer.path("channel").textValue();
        String ts = answer.path("ts").textValue();
        if (!SlackIds.isConversation(channel) || ts == null || !TS.matcher(ts).matches()) {
            return Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer",
                    "Slack's chat.postMessage answer carries no channel id and ts"));
        }
        return Future.succeededFuture(new Sent(to, channel, ts));
    }

    /** Why {@code sent} is not a Slack message this connector can update or reply to, or null. */
    private static String sentProblem(Sent sent) {
        if (sent == null || !KIND.equals(sent.destination().kind())) {
            return "not a Slack message: " + sent;
        }
        if (!SlackIds.isConversation(sent.conversation())) {
            return SlackIds.shown(sent.conversation()) + " is not a Slack channel id; keep the channel Slack answered with";
        }
        if (!TS.matcher(sent.messageId()).matches()) {
            return SlackIds.shown(sent.messageId()) + " is not a Slack message ts, such as 1405894322.002768";
        }
        return null;
    }
}
