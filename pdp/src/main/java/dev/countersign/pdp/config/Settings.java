package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Typed reads of a settings tree from one configuration source, with errors naming the source and the key. */
final class Settings {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    final String source;

    Settings(String source) {
        this.source = source;
    }

    /** A failure naming the source: {@code <source>: <message>}. */
    ConfigException error(String message) {
        return new ConfigException(source + ": " + message);
    }

    void keys(JsonNode node, String at, Set<String> allowed) throws ConfigException {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new ConfigException(source + ": unknown key '" + (at.isEmpty() ? name : at + "." + name)
                        + "'; known keys" + (at.isEmpty() ? "" : " of " + at) + " are " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    JsonNode object(JsonNode parent, String key) throws ConfigException {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return YAML.createObjectNode();
        }
        if (!n.isObject()) {
            throw new ConfigException(source + ": " + key + " must be a mapping");
        }
        return n;
    }

    String text(JsonNode parent, String at, String fallback) throws ConfigException {
        JsonNode n = parent.get(leaf(at));
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isValueNode() || n.isBoolean()) {
            throw new ConfigException(source + ": " + at + " must be a string");
        }
        return n.asText();
    }

    String required(JsonNode parent, String at) throws ConfigException {
        String v = text(parent, at, null);
        if (v == null || v.isBlank()) {
            throw new ConfigException(source + ": " + at + " is required");
        }
        return v;
    }

    int integer(JsonNode parent, String at, int fallback) throws ConfigException {
        return (int) integer(parent, at, (long) fallback);
    }

    long integer(JsonNode parent, String at, long fallback) throws ConfigException {
        JsonNode n = parent.get(leaf(at));
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return Long.parseLong(n.asText().trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new ConfigException(source + ": " + at + " must be a whole number, got " + n);
    }

    boolean bool(JsonNode parent, String at, boolean fallback) throws ConfigException {
        JsonNode n = parent.get(leaf(at));
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isTextual() && (n.asText().equals("true") || n.asText().equals("false"))) {
            return Boolean.parseBoolean(n.asText());
        }
        throw new ConfigException(source + ": " + at + " must be true or false, got " + n);
    }

    Duration duration(JsonNode parent, String at, Duration fallback) throws ConfigException {
        String text = text(parent, at, null);
        if (text == null) {
            return fallback;
        }
        try {
            Duration d = Duration.parse(text);
            if (d.isNegative()) {
                throw new ConfigException(source + ": " + at + " must not be negative");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException(source + ": " + at + " must be an ISO-8601 duration such as PT0.3S or PT24H, got " + text);
        }
    }

    List<String> texts(JsonNode parent, String at) throws ConfigException {
        return texts(parent, at, leaf(at));
    }

    /** The list of strings under {@code name} of {@code parent}, called {@code at} in errors. */
    List<String> texts(JsonNode parent, String at, String name) throws ConfigException {
        JsonNode n = parent.get(name);
        List<String> values = new ArrayList<>();
        if (n == null || n.isNull()) {
            return values;
        }
        if (!n.isArray()) {
            throw new ConfigException(source + ": " + at + " must be a list");
        }
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                throw new ConfigException(source + ": " + at + " must be a list of strings");
            }
            values.add(item.asText());
        }
        return values;
    }

    private static String leaf(String at) {
        return at.substring(at.lastIndexOf('.') + 1);
    }
}
