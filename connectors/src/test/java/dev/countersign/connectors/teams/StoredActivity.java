package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One version of an activity {@link FakeBotConnector} holds: as it was sent or last updated.
 *
 * @param conversation the conversation it is in
 * @param id           its activity id
 * @param activity     the activity as sent (for an update, the new one)
 * @param version      0 as first sent, 1 after the first update, …
 * @param at           when this version arrived
 */
public record StoredActivity(String conversation, String id, JsonNode activity, int version, Instant at) {
    /** The Adaptive Card of its first attachment, or null when it has none. */
    public JsonNode card() {
        JsonNode first = activity.path("attachments").path(0);
        return TeamsCards.CONTENT_TYPE.equals(first.path("contentType").asText()) ? first.path("content") : null;
    }

    /** Its text, or null. */
    public String text() {
        return activity.path("text").textValue();
    }

    /** The activity it replies to, or null. */
    public String replyToId() {
        return activity.path("replyToId").textValue();
    }

    /** The verbs of the card's actions, in order (empty without a card or actions). */
    public List<String> verbs() {
        List<String> verbs = new ArrayList<>();
        JsonNode card = card();
        if (card != null) {
            card.path("actions").forEach(a -> verbs.add(a.path("verb").asText(a.path("type").asText())));
        }
        return verbs;
    }

    /** Every text and fact of its card, or its text, joined by newlines. */
    public String allText() {
        JsonNode card = card();
        if (card == null) {
            return text() == null ? "" : text();
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode e : card.path("body")) {
            out.append(e.path("text").asText("")).append('\n');
            e.path("facts").forEach(f -> out.append(f.path("title").asText()).append(": ").append(f.path("value").asText()).append('\n'));
        }
        return out.toString();
    }

    /** Its mention entities, in order. */
    public List<JsonNode> mentions() {
        List<JsonNode> mentions = new ArrayList<>();
        activity.path("entities").forEach(e -> {
            if ("mention".equals(e.path("type").asText())) {
                mentions.add(e);
            }
        });
        return mentions;
    }
}
