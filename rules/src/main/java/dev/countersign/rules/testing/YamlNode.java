package dev.countersign.rules.testing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.json.JsonValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A value of a YAML (or JSON) document with where it is written, so that a rule-test file can be read
 * whole and then checked part by part, every problem at its place. {@code value} is a
 * {@code Map<String, YamlNode>} for a mapping (in file order, with each key's place in {@code keys}),
 * a {@code List<YamlNode>} for a sequence, else the scalar as {@link JsonValues#read} reads it.
 */
final class YamlNode {
    static final int MAX_DEPTH = 64;

    final Object value;
    final JsonToken token;
    final int line;
    final int column;
    /** The place of each key of a mapping (line, column); empty for other values. */
    final Map<String, int[]> keys;

    YamlNode(Object value, JsonToken token, int line, int column, Map<String, int[]> keys) {
        this.value = value;
        this.token = token;
        this.line = line;
        this.column = column;
        this.keys = keys;
    }

    /** Reads the value at the parser's current token; malformed text or values surface as exceptions. */
    static YamlNode read(JsonParser p, String pointer, int depth) throws IOException {
        JsonToken t = p.currentToken();
        JsonLocation at = p.currentTokenLocation();
        int line = Math.max(at.getLineNr(), 0);
        int column = Math.max(at.getColumnNr(), 0);
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            if (depth > MAX_DEPTH) {
                throw JsonValues.invalid(p, "too_deep", pointer, "nesting deeper than " + MAX_DEPTH + " levels");
            }
        }
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode> map = new LinkedHashMap<>();
            Map<String, int[]> keys = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonLocation keyAt = p.currentTokenLocation();
                keys.put(name, new int[] {Math.max(keyAt.getLineNr(), 0), Math.max(keyAt.getColumnNr(), 0)});
                p.nextToken();
                map.put(name, read(p, JsonValues.child(pointer, name), depth + 1));
            }
            return new YamlNode(Collections.unmodifiableMap(map), t, line, column, Collections.unmodifiableMap(keys));
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> list = new ArrayList<>();
            int index = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(read(p, pointer + "/" + index++, depth + 1));
            }
            return new YamlNode(Collections.unmodifiableList(list), t, line, column, Map.of());
        }
        return new YamlNode(JsonValues.read(p, pointer, depth, MAX_DEPTH), t, line, column, Map.of());
    }

    boolean isMap() {
        return token == JsonToken.START_OBJECT;
    }

    boolean isList() {
        return token == JsonToken.START_ARRAY;
    }

    boolean isString() {
        return token == JsonToken.VALUE_STRING;
    }

    @SuppressWarnings("unchecked")
    Map<String, YamlNode> map() {
        return (Map<String, YamlNode>) value;
    }

    @SuppressWarnings("unchecked")
    List<YamlNode> list() {
        return (List<YamlNode>) value;
    }

    String text() {
        return (String) value;
    }

    /** What the value is, for messages: "a string", "an object"... */
    String kind() {
        return JsonValues.describe(token);
    }

    /** The place of key {@code name} of this mapping, or the mapping's own when it has no such key. */
    int[] keyAt(String name) {
        int[] at = keys.get(name);
        return at != null ? at : new int[] {line, column};
    }

    /** A mapping of {@code entries} placed where this node is, keeping the places the entries' keys had. */
    static YamlNode mapAt(YamlNode place, Map<String, YamlNode> entries, Map<String, int[]> keys) {
        return new YamlNode(Collections.unmodifiableMap(entries), JsonToken.START_OBJECT, place.line, place.column,
                Collections.unmodifiableMap(keys));
    }

    /** The value as plain Java (maps, lists, scalars), as {@link JsonValues#read} would give it. */
    Object plain() {
        if (isMap()) {
            Map<String, Object> m = new LinkedHashMap<>();
            map().forEach((k, v) -> m.put(k, v.plain()));
            return Collections.unmodifiableMap(m);
        }
        if (isList()) {
            List<Object> l = new ArrayList<>();
            list().forEach(v -> l.add(v.plain()));
            return Collections.unmodifiableList(l);
        }
        return value;
    }

    /**
     * The deepest node along JSON pointer {@code pointer} ("/actor/roles/1"): where a problem the
     * pointer names is written, or the nearest enclosing value when the pointer goes past what is written.
     */
    YamlNode along(String pointer) {
        YamlNode node = this;
        if (pointer.isEmpty()) {
            return node;
        }
        for (String raw : pointer.substring(1).split("/", -1)) {
            String segment = raw.replace("~1", "/").replace("~0", "~");
            YamlNode next = null;
            if (node.isMap()) {
                next = node.map().get(segment);
            } else if (node.isList() && segment.matches("\\d{1,9}") && Integer.parseInt(segment) < node.list().size()) {
                next = node.list().get(Integer.parseInt(segment));
            }
            if (next == null) {
                return node;
            }
            node = next;
        }
        return node;
    }
}
