package dev.countersign.rules.json;

import static dev.countersign.rules.json.JsonValues.child;
import static dev.countersign.rules.json.JsonValues.describe;
import static dev.countersign.rules.json.JsonValues.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The fields of one part of an action context that have no property of their own, which become the
 * part's attributes: free fields ({@code actor: {department: finance}}) and the entries of a nested
 * {@code attributes} object ({@code actor: {attributes: {department: finance}}}), the same thing said
 * two ways; a name given both ways is refused, naming both pointers. A camelCase form of one of the
 * part's snake_case fields ({@code onBehalfOf}) is refused with the field meant, rather than kept as
 * an attribute no rule reads. Names the server sets ({@code reserved}) are refused too.
 */
final class PartFields {
    private final String at;
    private final int depth;
    private final int maxDepth;
    private final Set<String> known;
    private final Map<String, String> reserved;
    private Map<String, Object> free;
    private Map<String, Object> nested;

    /**
     * Fields of the part at pointer {@code at}, whose values nest at {@code depth}; {@code known} are
     * its wire fields, {@code reserved} names it may not carry, each with why.
     */
    PartFields(String at, int depth, int maxDepth, Set<String> known, Map<String, String> reserved) {
        this.at = at;
        this.depth = depth;
        this.maxDepth = maxDepth;
        this.known = known;
        this.reserved = reserved;
    }

    /** Reads the value of {@code field}, the parser on its first token. */
    @SuppressWarnings("unchecked")
    void read(JsonParser p, String field) throws IOException {
        String pointer = child(at, field);
        if (field.equals("attributes")) {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return;
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw invalid(p, "invalid_input", pointer, "expected an object, got " + describe(p.currentToken()));
            }
            Map<String, Object> entries = (Map<String, Object>) JsonValues.read(p, pointer, depth, maxDepth);
            for (String name : entries.keySet()) {
                refuseReserved(p, name, child(pointer, name));
            }
            nested = nested == null ? new LinkedHashMap<>() : nested;
            nested.putAll(entries);
            return;
        }
        String meant = snakeCase(field);
        if (!meant.equals(field) && known.contains(meant)) {
            throw invalid(p, "invalid_input", pointer, "unknown field " + field + ": did you mean " + meant
                    + "? (fields are snake_case on the wire)");
        }
        refuseReserved(p, field, pointer);
        String problem = StrictValues.textProblem(field);
        if (problem != null) {
            throw invalid(p, "invalid_input", pointer, "the key " + problem);
        }
        free = free == null ? new LinkedHashMap<>() : free;
        free.put(field, JsonValues.read(p, pointer, depth, maxDepth));
    }

    /** The part's attributes: free fields in wire order, then the nested entries; null when there are none. */
    Map<String, Object> attributes(JsonParser p) {
        if (nested == null) {
            return free;
        }
        if (free == null) {
            return nested;
        }
        Map<String, Object> all = new LinkedHashMap<>(free);
        for (Map.Entry<String, Object> e : nested.entrySet()) {
            if (all.containsKey(e.getKey())) {
                String attribute = child(child(at, "attributes"), e.getKey());
                throw invalid(p, "invalid_input", attribute, e.getKey() + " is given both as " + child(at, e.getKey())
                        + " and as " + attribute + "; send it once");
            }
            all.put(e.getKey(), e.getValue());
        }
        return all;
    }

    private void refuseReserved(JsonParser p, String name, String pointer) {
        String why = reserved.get(name);
        if (why != null) {
            throw invalid(p, "invalid_input", pointer, why);
        }
    }

    /** {@code onBehalfOf} as {@code on_behalf_of}; a name without capitals unchanged. */
    static String snakeCase(String name) {
        if (name.chars().skip(1).noneMatch(Character::isUpperCase)) {
            return name; // the usual case: nothing to convert, nothing to build
        }
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
