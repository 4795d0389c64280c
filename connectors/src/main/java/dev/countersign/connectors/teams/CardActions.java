package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.ReviewerChoice;
import java.util.regex.Pattern;

/**
 * What a read {@link TeamsActivity} asks of the approval workflow: the card actions of the
 * approval card (see {@link TeamsActivity} for the rules), each field bounded.
 *
 * <p>Both kinds of click carry {@code approval_id} in the action's data, and may carry
 * {@code reason} (the card's {@code Input.Text}, merged into the data by Teams): an
 * {@code Action.Execute} has them in {@code value.action.data} and its verb in
 * {@code value.action.verb}; a legacy {@code Action.Submit} message has them, and {@code verb}, at
 * the top of {@code value}.
 */
final class CardActions {
    static final String INVOKE = "invoke";
    static final String MESSAGE = "message";
    static final String CARD_ACTION = "adaptiveCard/action";
    static final String EXECUTE = "Action.Execute";
    static final String MANUAL = "manual";
    static final String AUTOMATIC = "automatic";
    static final String REFRESH = "refresh";
    /** The longest reason accepted (a card's input should say so with {@code maxLength}). */
    static final int REASON_MAX = 2000;
    private static final Pattern APPROVAL_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern GUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private CardActions() {
    }

    static TeamsInteraction meaning(TeamsActivity activity) {
        try {
            if (INVOKE.equals(activity.type())) {
                if (!CARD_ACTION.equals(activity.name())) {
                    return new IgnoredActivity(activity.type(), "an invoke " + TeamsRefusal.shown(activity.name()) + " is not a card action");
                }
                return execute(activity);
            }
            if (MESSAGE.equals(activity.type())) {
                JsonNode value = activity.value();
                if (value.isObject() && value.has("verb")) {
                    return submit(activity, value);
                }
                return new IgnoredActivity(activity.type(), "a message that is not a card's vote");
            }
            return new IgnoredActivity(activity.type(), "a " + TeamsRefusal.shown(activity.type()) + " activity is not a vote");
        } catch (TeamsActivity.Invalid e) {
            return TeamsRefusal.invalid("invalid_activity", e.getMessage());
        }
    }

    /** An {@code adaptiveCard/action} invoke: {@code value.action} of type {@code Action.Execute}. */
    private static TeamsInteraction execute(TeamsActivity activity) {
        JsonNode value = activity.value();
        if (!value.isObject()) {
            return TeamsRefusal.invalid("invalid_activity", "the card action has no value object");
        }
        JsonNode action = value.get("action");
        if (action == null || !action.isObject()) {
            return TeamsRefusal.invalid("invalid_activity", "the card action has no value.action object");
        }
        String type = TeamsActivity.text(action, "value.action.type", "type", 64, true);
        if (!EXECUTE.equals(type)) {
            return TeamsRefusal.invalid("unsupported_action", "the card action is " + TeamsRefusal.shown(type) + "; only " + EXECUTE
                    + " is handled");
        }
        String trigger = TeamsActivity.text(value, "value.trigger", "trigger", 32, true);
        if (!MANUAL.equals(trigger) && !AUTOMATIC.equals(trigger)) {
            return TeamsRefusal.invalid("invalid_activity", "value.trigger is " + TeamsRefusal.shown(trigger) + ", not manual or automatic");
        }
        String verb = TeamsActivity.text(action, "value.action.verb", "verb", 64, true);
        JsonNode data = action.get("data");
        if (data == null || !data.isObject()) {
            return TeamsRefusal.invalid("invalid_activity", "the card action has no value.action.data object");
        }
        if (AUTOMATIC.equals(trigger) || REFRESH.equals(verb)) {
            Person who = person(activity);
            return new CardRefresh(approvalId(data, "value.action.data.approval_id"), verb, who.aadObjectId, who.id, who.name,
                    activity.tenantId(), conversation(activity), activity.serviceUrl(), activity.id(), activity.replyToId(),
                    AUTOMATIC.equals(trigger));
        }
        ReviewerChoice choice = ReviewerChoice.fromWire(verb);
        if (choice == null) {
            return TeamsRefusal.invalid("unknown_verb", "the verb " + TeamsRefusal.shown(verb) + " is not approve, deny or refresh");
        }
        return vote(activity, data, "value.action.data", choice, false);
    }

    /** A legacy {@code Action.Submit}: a message whose {@code value} is the button's data. */
    private static TeamsInteraction submit(TeamsActivity activity, JsonNode value) {
        String verb = TeamsActivity.text(value, "value.verb", "verb", 64, true);
        ReviewerChoice choice = ReviewerChoice.fromWire(verb);
        if (choice == null) {
            return TeamsRefusal.invalid("unknown_verb", "the verb " + TeamsRefusal.shown(verb) + " is not approve or deny");
        }
        return vote(activity, value, "value", choice, true);
    }

    private static TeamsVote vote(TeamsActivity activity, JsonNode data, String at, ReviewerChoice choice, boolean legacy) {
        String approvalId = approvalId(data, at + ".approval_id");
        String reason = reason(data, at);
        Person who = person(activity);
        return new TeamsVote(approvalId, choice, reason, who.aadObjectId, who.id, who.name, activity.tenantId(), conversation(activity),
                activity.serviceUrl(), activity.id(), activity.replyToId(), legacy);
    }

    private static String approvalId(JsonNode data, String field) {
        String id = TeamsActivity.text(data, field, "approval_id", 128, true);
        if (!APPROVAL_ID.matcher(id).matches()) {
            throw new TeamsActivity.Invalid(field + " is not an approval id");
        }
        return id;
    }

    /** The typed reason: as typed, null when blank, refused beyond {@value #REASON_MAX} characters (line breaks allowed). */
    private static String reason(JsonNode data, String at) {
        JsonNode v = data.get("reason");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new TeamsActivity.Invalid(at + ".reason is not a string");
        }
        String reason = v.textValue();
        if (reason.codePointCount(0, reason.length()) > REASON_MAX) {
            throw new TeamsActivity.Invalid("the reason is longer than " + REASON_MAX + " characters");
        }
        return reason.isBlank() ? null : reason;
    }

    private record Person(String aadObjectId, String id, String name) {
    }

    private static Person person(TeamsActivity activity) {
        String aad = activity.fromAadObjectId();
        if (aad == null || !GUID.matcher(aad).matches()) {
            throw new TeamsActivity.Invalid("the activity names no Azure AD user (from.aadObjectId)");
        }
        if (activity.fromId() == null) {
            throw new TeamsActivity.Invalid("the activity names no Teams user (from.id)");
        }
        return new Person(aad, activity.fromId(), activity.fromName());
    }

    private static String conversation(TeamsActivity activity) {
        if (activity.conversationId() == null) {
            throw new TeamsActivity.Invalid("the activity names no conversation (conversation.id)");
        }
        return activity.conversationId();
    }
}
