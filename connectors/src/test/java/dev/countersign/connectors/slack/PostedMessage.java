package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message in {@link FakeSlack} as it now stands (a snapshot).
 *
 * @param channel  the conversation id it is in
 * @param ts       its ts
 * @param threadTs its thread's parent ts, or null for a top-level message
 * @param text     its current text
 * @param blocks   its current blocks (an empty array when none)
 * @param byBot    whether the bot posted it (only those can be updated by the bot)
 * @param edits    how many times it was updated
 * @param replies  how many replies its thread has
 * @param user     the user id of its author (the bot user for a bot's message)
 * @param botId    the bot id of the app that posted it, or null for a person
 * @param metadata its message metadata ({@code event_type}, {@code event_payload}), or null
 * @param broadcast whether it is a reply also shown in the channel
 */
public record PostedMessage(String channel, String ts, String threadTs, String text, JsonNode blocks, boolean byBot, int edits,
                            int replies, String user, String botId, JsonNode metadata, boolean broadcast) {
    private static final Pattern TOKEN = Pattern.compile("<([^<>]*)>");

    /** Its buttons, in order. */
    public List<JsonNode> buttons() {
        List<JsonNode> buttons = new ArrayList<>();
        for (JsonNode block : blocks) {
            if ("actions".equals(block.path("type").asText())) {
                block.path("elements").forEach(e -> {
                    if ("button".equals(e.path("type").asText())) {
                        buttons.add(e);
                    }
                });
            }
        }
        return buttons;
    }

    /** The button whose action_id is {@code actionId}, or null. */
    public JsonNode button(String actionId) {
        return buttons().stream().filter(b -> actionId.equals(b.path("action_id").asText())).findFirst().orElse(null);
    }

    /** The block_id of the actions block holding {@code actionId}, or null. */
    public String actionsBlockId(String actionId) {
        for (JsonNode block : blocks) {
            for (JsonNode e : block.path("elements")) {
                if (actionId.equals(e.path("action_id").asText())) {
                    return block.path("block_id").textValue();
                }
            }
        }
        return null;
    }

    /** The text of the message and of every text object in its blocks, one per line. */
    public String allText() {
        StringBuilder all = new StringBuilder(text == null ? "" : text);
        collect(blocks, all);
        return all.toString();
    }

    /**
     * What Slack would act on in its text: every {@code <…>} token that mentions ({@code @U…},
     * {@code !channel}, {@code !here}, {@code !subteam^…}) or links ({@code http…}, {@code #C…}),
     * as written; date tokens ({@code !date^…}) are not listed.
     */
    public List<String> mentionsAndLinks() {
        List<String> found = new ArrayList<>();
        Matcher m = TOKEN.matcher(allText());
        while (m.find()) {
            if (!m.group(1).startsWith("!date^")) {
                found.add(m.group(1));
            }
        }
        return found;
    }

    private static void collect(JsonNode node, StringBuilder all) {
        if (node.isObject()) {
            JsonNode type = node.get("type");
            JsonNode text = node.get("text");
            if (type != null && ("mrkdwn".equals(type.asText()) || "plain_text".equals(type.asText())) && text != null && text.isTextual()) {
                all.append('\n').append(text.textValue());
            }
            node.elements().forEachRemaining(child -> collect(child, all));
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, all));
        }
    }
}
