package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Block Kit's limits as Slack enforces them, checked by {@link FakeSlack} on every message and view
 * it is sent (and by tests on renders): written from Slack's documentation, independently of the
 * renderer, so a renderer that miscounts is caught. Errors read like Slack's
 * ({@code [ERROR] must be at most 3000 characters [json-pointer:/blocks/3/text/text]}).
 *
 * <p>Messages: at most 50 blocks; views: at most 100. {@code block_id} at most 255 characters and
 * unique; section {@code text} at most 3000, at most 10 {@code fields} of at most 2000; header text
 * plain_text at most 150; context 1 to 10 elements; actions 1 to 25 elements, {@code action_id}
 * unique in the block and at most 255; button text plain_text at most 75, {@code value} at most
 * 2000, {@code url} at most 3000, {@code style} primary or danger; confirm title at most 100, text
 * at most 300, its buttons at most 30; input label at most 2000; text objects non-empty, of type
 * {@code plain_text} or {@code mrkdwn}, with no keys Slack does not know.
 */
public final class BlockKitRules {
    public static final int MESSAGE_BLOCKS = 50;
    public static final int VIEW_BLOCKS = 100;

    private final List<String> errors = new ArrayList<>();

    private BlockKitRules() {
    }

    /** What is wrong with {@code blocks} of a message; empty when nothing. */
    public static List<String> message(JsonNode blocks) {
        BlockKitRules rules = new BlockKitRules();
        rules.blocks(blocks, MESSAGE_BLOCKS, false);
        return rules.errors;
    }

    /** What is wrong with {@code blocks} of a modal view; empty when nothing. */
    public static List<String> view(JsonNode blocks) {
        BlockKitRules rules = new BlockKitRules();
        rules.blocks(blocks, VIEW_BLOCKS, true);
        return rules.errors;
    }

    private void blocks(JsonNode blocks, int max, boolean inView) {
        if (!blocks.isArray()) {
            error("must be an array", "/blocks");
            return;
        }
        if (blocks.size() > max) {
            error("no more than " + max + " items allowed", "/blocks");
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < blocks.size(); i++) {
            block(blocks.get(i), "/blocks/" + i, ids, inView);
        }
    }

    private void block(JsonNode b, String at, Set<String> ids, boolean inView) {
        if (!b.isObject()) {
            error("must be an object", at);
            return;
        }
        JsonNode id = b.get("block_id");
        if (id != null) {
            if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > 255) {
                error("must be a string of 1 to 255 characters", at + "/block_id");
            } else if (!ids.add(id.textValue())) {
                error("block_id must be unique in the message", at + "/block_id");
            }
        }
        String type = b.path("type").asText("");
        switch (type) {
            case "section" -> {
                keys(b, at, "type", "block_id", "text", "fields", "accessory");
                if (!b.has("text") && !b.has("fields")) {
                    error("a section needs text or fields", at);
                }
                if (b.has("text")) {
                    text(b.get("text"), at + "/text", 3000, false);
                }
                if (b.has("fields")) {
                    JsonNode fields = b.get("fields");
                    if (!fields.isArray() || fields.isEmpty() || fields.size() > 10) {
                        error("must be an array of 1 to 10 items", at + "/fields");
                    } else {
                        for (int i = 0; i < fields.size(); i++) {
                            text(fields.get(i), at + "/fields/" + i, 2000, false);
                        }
                    }
                }
                if (b.has("accessory")) {
                    element(b.get("accessory"), at + "/accessory", new HashSet<>());
                }
            }
            case "header" -> {
                keys(b, at, "type", "block_id", "text");
                text(b.path("text"), at + "/text", 150, true);
            }
            case "divider" -> keys(b, at, "type", "block_id");
            case "context" -> {
                keys(b, at, "type", "block_id", "elements");
                JsonNode elements = b.path("elements");
                if (!elements.isArray() || elements.isEmpty() || elements.size() > 10) {
                    error("must be an array of 1 to 10 items", at + "/elements");
                } else {
                    for (int i = 0; i < elements.size(); i++) {
                        text(elements.get(i), at + "/elements/" + i, 3000, false);
                    }
                }
            }
            case "actions" -> {
                keys(b, at, "type", "block_id", "elements");
                JsonNode elements = b.path("elements");
                if (!elements.isArray() || elements.isEmpty() || elements.size() > 25) {
                    error("must be an array of 1 to 25 items", at + "/elements");
                } else {
                    Set<String> actionIds = new HashSet<>();
                    for (int i = 0; i < elements.size(); i++) {
                        element(elements.get(i), at + "/elements/" + i, actionIds);
                    }
                }
            }
            case "input" -> {
                if (!inView) {
                    error("input blocks belong in views", at);
                }
                keys(b, at, "type", "block_id", "label", "element", "hint", "optional", "dispatch_action");
                text(b.path("label"), at + "/label", 2000, true);
                JsonNode e = b.path("element");
                if (!"plain_text_input".equals(e.path("type").asText())) {
                    error("only plain_text_input is supported here", at + "/element");
                } else {
                    keys(e, at + "/element", "type", "action_id", "multiline", "min_length", "max_length", "placeholder", "initial_value");
                    actionId(e, at + "/element", new HashSet<>());
                    if (e.path("max_length").asInt(0) > 3000 || e.path("min_length").asInt(0) > 3000) {
                        error("must be at most 3000", at + "/element/max_length");
                    }
                    if (e.has("placeholder")) {
                        text(e.get("placeholder"), at + "/element/placeholder", 150, true);
                    }
                }
            }
            default -> error("unsupported block type " + (type.isEmpty() ? "(none)" : type), at + "/type");
        }
    }

    private void element(JsonNode e, String at, Set<String> actionIds) {
        if (!"button".equals(e.path("type").asText())) {
            error("only buttons are supported here", at + "/type");
            return;
        }
        keys(e, at, "type", "text", "action_id", "value", "url", "style", "confirm", "accessibility_label");
        text(e.path("text"), at + "/text", 75, true);
        actionId(e, at, actionIds);
        if (e.has("value") && (!e.get("value").isTextual() || e.get("value").textValue().length() > 2000)) {
            error("must be a string of at most 2000 characters", at + "/value");
        }
        if (e.has("url") && (!e.get("url").isTextual() || e.get("url").textValue().length() > 3000)) {
            error("must be a string of at most 3000 characters", at + "/url");
        }
        style(e, at);
        if (e.has("confirm")) {
            JsonNode c = e.get("confirm");
            keys(c, at + "/confirm", "title", "text", "confirm", "deny", "style");
            text(c.path("title"), at + "/confirm/title", 100, true);
            text(c.path("text"), at + "/confirm/text", 300, false);
            text(c.path("confirm"), at + "/confirm/confirm", 30, true);
            text(c.path("deny"), at + "/confirm/deny", 30, true);
            style(c, at + "/confirm");
        }
    }

    private void actionId(JsonNode e, String at, Set<String> actionIds) {
        JsonNode id = e.get("action_id");
        if (id == null) {
            return;
        }
        if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > 255) {
            error("must be a string of 1 to 255 characters", at + "/action_id");
        } else if (!actionIds.add(id.textValue())) {
            error("action_id must be unique in its block", at + "/action_id");
        }
    }

    private void style(JsonNode e, String at) {
        if (e.has("style") && !("primary".equals(e.get("style").asText()) || "danger".equals(e.get("style").asText()))) {
            error("must be primary or danger", at + "/style");
        }
    }

    /** A text object of at most {@code max} characters; {@code plainOnly} where Slack takes plain_text only. */
    private void text(JsonNode t, String at, int max, boolean plainOnly) {
        if (!t.isObject()) {
            error("must be a text object", at);
            return;
        }
        String type = t.path("type").asText("");
        if (!type.equals("plain_text") && (plainOnly || !type.equals("mrkdwn"))) {
            error("must be " + (plainOnly ? "plain_text" : "plain_text or mrkdwn"), at + "/type");
        }
        keys(t, at, "type", "text", type.equals("plain_text") ? "emoji" : "verbatim");
        JsonNode text = t.get("text");
        if (text == null || !text.isTextual() || text.textValue().isEmpty()) {
            error("must be a non-empty string", at + "/text");
        } else if (text.textValue().length() > max) {
            error("must be at most " + max + " characters", at + "/text");
        }
    }

    private void keys(JsonNode o, String at, String... allowed) {
        Set<String> known = Set.of(allowed);
        for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                error("unknown field " + name, at);
            }
        }
    }

    private void error(String problem, String pointer) {
        errors.add("[ERROR] " + problem + " [json-pointer:" + pointer + "]");
    }
}
