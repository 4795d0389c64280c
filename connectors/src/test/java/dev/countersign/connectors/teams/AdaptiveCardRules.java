package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What Teams would refuse or fail to render in an approval card: an Adaptive Card of version 1.5
 * (the schema's element and action types, their required properties and enumerated values), input ids
 * unique, {@code Action.Execute} with a verb and object data, a fallback that is an action or
 * {@code "drop"}, a refresh whose action is an {@code Action.Execute} and whose {@code userIds} are at
 * most 60 strings, and the whole card at most 28 KB. Only what the approval card uses is known;
 * anything else is reported.
 */
public final class AdaptiveCardRules {
    public static final int MAX_BYTES = 28 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> COLORS = Set.of("Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention");
    private static final Set<String> SIZES = Set.of("Default", "Small", "Medium", "Large", "ExtraLarge");
    private static final Set<String> WEIGHTS = Set.of("Default", "Lighter", "Bolder");
    private static final Set<String> SPACINGS = Set.of("None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding");
    private static final Set<String> STYLES = Set.of("default", "positive", "destructive");

    private AdaptiveCardRules() {
    }

    /** The problems of {@code card}, in order; empty when Teams would show it as intended. */
    public static List<String> problems(JsonNode card) {
        List<String> problems = new ArrayList<>();
        if (!card.isObject() || !"AdaptiveCard".equals(card.path("type").asText())) {
            problems.add("not an AdaptiveCard");
            return problems;
        }
        if (!"1.5".equals(card.path("version").asText())) {
            problems.add("version is " + card.path("version") + ", not \"1.5\"");
        }
        try {
            int bytes = JSON.writeValueAsBytes(card).length;
            if (bytes > MAX_BYTES) {
                problems.add("the card is " + bytes + " bytes, more than " + MAX_BYTES);
            }
        } catch (IOException e) {
            problems.add("the card cannot be written as JSON");
        }
        Set<String> inputIds = new HashSet<>();
        JsonNode body = card.path("body");
        if (!body.isArray()) {
            problems.add("body is not an array");
        }
        int i = 0;
        for (JsonNode element : body) {
            element(element, "body[" + i++ + "]", inputIds, problems);
        }
        if (card.has("actions")) {
            if (!card.path("actions").isArray()) {
                problems.add("actions is not an array");
            }
            int a = 0;
            for (JsonNode action : card.path("actions")) {
                action(action, "actions[" + a++ + "]", problems, true);
            }
        }
        if (card.has("refresh")) {
            refresh(card.path("refresh"), problems);
        }
        return problems;
    }

    private static void element(JsonNode e, String where, Set<String> inputIds, List<String> problems) {
        String type = e.path("type").asText("");
        switch (type) {
            case "TextBlock" -> {
                if (!e.path("text").isTextual()) {
                    problems.add(where + ": a TextBlock needs text");
                }
                enumerated(e, "color", COLORS, where, problems);
                enumerated(e, "size", SIZES, where, problems);
                enumerated(e, "weight", WEIGHTS, where, problems);
                enumerated(e, "fontType", Set.of("Default", "Monospace"), where, problems);
            }
            case "FactSet" -> {
                if (!e.path("facts").isArray() || e.path("facts").isEmpty()) {
                    problems.add(where + ": a FactSet needs facts");
                }
                for (JsonNode f : e.path("facts")) {
                    if (!f.path("title").isTextual() || !f.path("value").isTextual()) {
                        problems.add(where + ": a fact needs a title and a value, both strings");
                    }
                }
            }
            case "Input.Text" -> {
                String id = e.path("id").asText("");
                if (id.isEmpty() || !inputIds.add(id)) {
                    problems.add(where + ": an input needs an id of its own, not " + e.path("id"));
                }
                if (e.has("maxLength") && (!e.path("maxLength").isInt() || e.path("maxLength").intValue() < 1)) {
                    problems.add(where + ": maxLength must be a positive number");
                }
            }
            default -> problems.add(where + ": unknown element type " + e.path("type"));
        }
        enumerated(e, "spacing", SPACINGS, where, problems);
        if (e.has("separator") && !e.path("separator").isBoolean()) {
            problems.add(where + ": separator must be a boolean");
        }
    }

    private static void action(JsonNode a, String where, List<String> problems, boolean fallbackAllowed) {
        String type = a.path("type").asText("");
        switch (type) {
            case "Action.Execute" -> {
                if (a.path("verb").asText("").isEmpty()) {
                    problems.add(where + ": an Action.Execute needs a verb");
                }
                if (a.has("data") && !a.path("data").isObject()) {
                    problems.add(where + ": data must be an object");
                }
            }
            case "Action.Submit" -> {
                if (a.has("data") && !a.path("data").isObject() && !a.path("data").isTextual()) {
                    problems.add(where + ": data must be an object or a string");
                }
            }
            case "Action.OpenUrl" -> {
                if (!a.path("url").asText("").startsWith("https://") && !a.path("url").asText("").startsWith("http://")) {
                    problems.add(where + ": an Action.OpenUrl needs an http(s) url");
                }
            }
            default -> problems.add(where + ": unknown action type " + a.path("type"));
        }
        if (a.has("title") && !a.path("title").isTextual()) {
            problems.add(where + ": title must be a string");
        }
        enumerated(a, "style", STYLES, where, problems);
        enumerated(a, "associatedInputs", Set.of("auto", "none"), where, problems);
        if (a.has("fallback")) {
            JsonNode f = a.path("fallback");
            if (f.isTextual() && "drop".equals(f.textValue())) {
                return;
            }
            if (!fallbackAllowed || !f.isObject()) {
                problems.add(where + ": fallback must be an action or \"drop\"");
            } else {
                action(f, where + ".fallback", problems, true);
            }
        }
    }

    private static void refresh(JsonNode r, List<String> problems) {
        JsonNode action = r.path("action");
        if (!"Action.Execute".equals(action.path("type").asText())) {
            problems.add("refresh.action must be an Action.Execute");
        } else {
            action(action, "refresh.action", problems, false);
        }
        if (r.has("userIds")) {
            JsonNode ids = r.path("userIds");
            if (!ids.isArray() || ids.size() > 60) {
                problems.add("refresh.userIds must be an array of at most 60");
            }
            for (JsonNode id : ids) {
                if (!id.isTextual()) {
                    problems.add("refresh.userIds holds " + id + ", not a string");
                }
            }
        }
    }

    private static void enumerated(JsonNode node, String property, Set<String> allowed, String where, List<String> problems) {
        if (node.has(property) && !allowed.contains(node.path(property).asText())) {
            problems.add(where + ": " + property + " " + node.path(property) + " is not one of " + allowed);
        }
    }
}
