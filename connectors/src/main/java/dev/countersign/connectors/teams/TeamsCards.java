package dev.countersign.connectors.teams;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ApprovalMessage.Status;
import dev.countersign.connectors.ReviewerChoice;
import java.util.List;

/**
 * The Teams card of an approval: an Adaptive Card 1.5, the {@code content} of an attachment of type
 * {@value #CONTENT_TYPE}.
 *
 * <p>The card shows what the Slack card shows (see {@link TeamsCardBody}): headline and status line,
 * a FactSet of who asks, what, on what (classification, environment, region), where to, with which
 * model and dataset and compliance tags; the command and intent in monospace; every rule that fired
 * with its message and {@code file:line}; each group's quorum, approvals and still needed; the votes;
 * the expiry, the approval's id and link. Dates in text use the card's {@code DATE}/{@code TIME}
 * functions, so each reader sees their own time zone.
 *
 * <p><b>Buttons.</b> While pending, and for a {@link Viewer} who {@link Viewer#mayVote() may vote}:
 * an {@code Input.Text} {@value #REASON_INPUT} (at most {@value #REASON_MAX} characters, required to
 * deny) and two {@code Action.Execute}s, verb {@code approve} (which sends no input) and {@code deny}
 * (which sends the reason), each with {@code data: {"approval_id": id}} and, for clients without
 * Universal Actions, a {@code fallback} {@code Action.Submit} with the same data plus
 * {@code "verb"}. With {@code Action.Execute} a click arrives as an {@code adaptiveCard/action}
 * invoke whose {@code value.action.data} holds the data and the reason; with {@code Action.Submit}
 * as a message activity whose {@code value} does. A viewer who may not vote sees their
 * {@link Viewer} note instead. Decided cards have no actions at all.
 *
 * <p><b>Refresh.</b> Given refresh user ids, a pending card carries
 * {@code refresh: {action: Action.Execute verb "refresh" data {approval_id}, userIds: […]}}: Teams
 * then asks the bot for each listed user's own view ({@code adaptiveCard/action} with
 * {@code trigger: "automatic"}, never a vote), which {@link #card(ApprovalMessage, Viewer, List)}
 * renders. <b>The user ids are user MRIs, the Bot Framework ids {@code 29:…} of an activity's
 * {@code from.id}, not Entra (AAD) object ids</b>: Microsoft's "User Specific Views" documentation
 * lists {@code userIds} as the users' MRIs, and its sample fills them from {@code activity.from.id}.
 * At most {@value #MAX_REFRESH_USERS}: in a conversation of more members only the listed users'
 * cards refresh by themselves (the others can refresh by hand); in a smaller one everyone's does. An
 * empty list gives a refresh without {@code userIds}. Decided cards carry no refresh.
 *
 * <p><b>Size.</b> Whatever the message holds, a card is at most {@value #MAX_CARD_BYTES} bytes of
 * UTF-8 JSON (Teams refuses messages over about 28 KB): when the full card would be larger it is
 * rendered again with fewer rules, groups, votes and tags listed and shorter texts, down to a bare
 * card that always fits.
 */
public final class TeamsCards {
    public static final String CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";
    public static final String VERSION = "1.5";
    public static final String SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";
    public static final int MAX_CARD_BYTES = 24 * 1024;
    public static final int MAX_REFRESH_USERS = 60;
    /** The id of the deny reason's input, the key of the reason in the click's data. */
    public static final String REASON_INPUT = "reason";
    public static final int REASON_MAX = 500;
    /** The key of the approval id in every action's data. */
    public static final String APPROVAL_ID = "approval_id";
    /** The verb of a card refresh. */
    public static final String REFRESH_VERB = "refresh";
    /** Longest approval id put into actions; a longer one gets no buttons. */
    static final int MAX_APPROVAL_ID = 200;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TeamsCards() {
    }

    /** The card for anyone, as posted to a conversation: with buttons while pending, no refresh. */
    public static ObjectNode card(ApprovalMessage message) {
        return card(message, Viewer.anyone(), null);
    }

    /** The card for anyone, with a refresh for {@code refreshUserIds} ({@code 29:…}) while pending. */
    public static ObjectNode card(ApprovalMessage message, List<String> refreshUserIds) {
        return card(message, Viewer.anyone(), refreshUserIds);
    }

    /** The card as {@code viewer} sees it: buttons only if they may vote; no refresh. */
    public static ObjectNode card(ApprovalMessage message, Viewer viewer) {
        return card(message, viewer, null);
    }

    /**
     * The card as {@code viewer} sees it, with a refresh for {@code refreshUserIds} while pending
     * (null: no refresh). A user-specific card given as the answer to a refresh or a click should
     * carry the same refresh as the posted card, so that it stays the user's own after the card is
     * updated.
     *
     * @throws IllegalArgumentException when there are more than {@value #MAX_REFRESH_USERS} refresh
     *         user ids or one is not a Teams user id {@code 29:…}
     */
    public static ObjectNode card(ApprovalMessage message, Viewer viewer, List<String> refreshUserIds) {
        checkRefresh(refreshUserIds);
        ObjectNode card = null;
        for (TeamsCardBody.Budget budget : TeamsCardBody.BUDGETS) {
            card = render(message, viewer == null ? Viewer.anyone() : viewer, true, refreshUserIds, budget);
            if (bytes(card) <= MAX_CARD_BYTES) {
                return card;
            }
        }
        return card;
    }

    /** The card without buttons, inputs or refresh, for a person notified directly. */
    public static ObjectNode notice(ApprovalMessage message) {
        ObjectNode card = null;
        for (TeamsCardBody.Budget budget : TeamsCardBody.BUDGETS) {
            card = render(message, Viewer.anyone(), false, null, budget);
            if (bytes(card) <= MAX_CARD_BYTES) {
                return card;
            }
        }
        return card;
    }

    /** {@code card} as a message attachment: {@code {"contentType": …, "content": card}}. */
    public static ObjectNode attachment(ObjectNode card) {
        ObjectNode attachment = MAPPER.createObjectNode().put("contentType", CONTENT_TYPE);
        attachment.set("content", card);
        return attachment;
    }

    /** The plain text notifications show for {@code message}'s card (an activity's {@code summary}). */
    public static String summary(ApprovalMessage message) {
        return TeamsCardBody.fallback(message);
    }

    /** The size of {@code card} as sent: UTF-8 JSON bytes. */
    static int bytes(ObjectNode card) {
        try {
            return MAPPER.writeValueAsBytes(card).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a card is always writable", e);
        }
    }

    private static ObjectNode render(ApprovalMessage m, Viewer viewer, boolean interactive, List<String> refreshUserIds,
                                     TeamsCardBody.Budget budget) {
        ObjectNode card = MAPPER.createObjectNode().put("type", "AdaptiveCard").put("$schema", SCHEMA).put("version", VERSION);
        card.put("fallbackText", AdaptiveText.line(TeamsCardBody.fallback(m), 300));
        card.putObject("msteams").put("width", "Full");
        ArrayNode body = TeamsCardBody.render(m, budget);
        card.set("body", body);
        String id = m.approvalId();
        boolean actionable = interactive && m.status() == Status.PENDING && id != null && !id.isEmpty() && id.length() <= MAX_APPROVAL_ID;
        if (actionable && refreshUserIds != null) {
            card.set("refresh", refresh(id, refreshUserIds));
        }
        if (interactive) {
            String note = viewer.note(m.status().isFinal(), Math.max(1, budget.groups()));
            if (note != null && (m.status().isFinal() || !viewer.mayVote())) {
                body.add(TeamsCardBody.text(AdaptiveText.line(note, 300)).put("weight", "Bolder").put("separator", true));
            }
        }
        if (actionable && viewer.mayVote()) {
            body.add(reasonInput());
            ArrayNode actions = card.putArray("actions");
            actions.add(action("Approve", ReviewerChoice.APPROVE, id, "positive", "none"));
            actions.add(action("Deny", ReviewerChoice.DENY, id, "destructive", "auto"));
        }
        return card;
    }

    private static ObjectNode reasonInput() {
        return MAPPER.createObjectNode().put("type", "Input.Text").put("id", REASON_INPUT).put("label", "Reason, if you deny")
                .put("placeholder", "Why is it denied? The requester and the other reviewers will see it.").put("isMultiline", true)
                .put("maxLength", REASON_MAX).put("isRequired", true).put("errorMessage", "Give a reason to deny").put("separator", true);
    }

    /**
     * An {@code Action.Execute} with {@code verb} and {@code data: {"approval_id": id}}, falling back
     * to an {@code Action.Submit} whose data also names the verb.
     */
    private static ObjectNode action(String title, ReviewerChoice choice, String approvalId, String style, String inputs) {
        ObjectNode execute = MAPPER.createObjectNode().put("type", "Action.Execute").put("title", title).put("verb", choice.wireName())
                .put("style", style).put("associatedInputs", inputs);
        execute.putObject("data").put(APPROVAL_ID, approvalId);
        ObjectNode submit = execute.putObject("fallback").put("type", "Action.Submit").put("title", title).put("style", style)
                .put("associatedInputs", inputs);
        submit.putObject("data").put(APPROVAL_ID, approvalId).put("verb", choice.wireName());
        return execute;
    }

    private static ObjectNode refresh(String approvalId, List<String> userIds) {
        ObjectNode refresh = MAPPER.createObjectNode();
        ObjectNode action = refresh.putObject("action").put("type", "Action.Execute").put("title", "Refresh").put("verb", REFRESH_VERB);
        action.putObject("data").put(APPROVAL_ID, approvalId);
        if (!userIds.isEmpty()) {
            ArrayNode ids = refresh.putArray("userIds");
            userIds.forEach(ids::add);
        }
        return refresh;
    }

    private static void checkRefresh(List<String> userIds) {
        if (userIds == null) {
            return;
        }
        if (userIds.size() > MAX_REFRESH_USERS) {
            throw new IllegalArgumentException("a card refreshes by itself for at most " + MAX_REFRESH_USERS + " users; " + userIds.size()
                    + " were given");
        }
        for (String id : userIds) {
            if (!TeamsIds.isUser(id)) {
                throw new IllegalArgumentException(TeamsIds.shown(id) + " is not a Teams user id (29:…): refresh.userIds are user MRIs,"
                        + " an activity's from.id, not Entra object ids");
            }
        }
    }
}
