package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Free-form JSON values as plain Java: objects are insertion-ordered unmodifiable maps, arrays
 * unmodifiable lists that answer {@code contains(null)}, integers {@link Integer} when they fit,
 * else {@link Long} or {@link BigInteger}, other numbers {@link Double}. The same reader serves JSON
 * and YAML parsers.
 */
public final class JsonValues {
    private static final Comparator<Map.Entry<?, ?>> BY_KEY = Comparator.comparing(e -> String.valueOf(e.getKey()));

    private JsonValues() {
    }

    /** Reads the value at the parser's current token; {@code depth} is the nesting level of that value. */
    public static Object read(JsonParser p, String pointer, int depth, int maxDepth) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw invalid(p, "invalid_json", pointer, "unexpected end of input");
        }
        switch (t) {
            case START_OBJECT -> {
                checkDepth(p, pointer, depth, maxDepth);
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String problem = StrictValues.textProblem(name);
                    if (problem != null) {
                        throw invalid(p, "invalid_input", child(pointer, name), "the key " + problem);
                    }
                    p.nextToken();
                    map.put(name, read(p, child(pointer, name), depth + 1, maxDepth));
                }
                return Collections.unmodifiableMap(map);
            }
            case START_ARRAY -> {
                checkDepth(p, pointer, depth, maxDepth);
                List<Object> list = new ArrayList<>();
                int index = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p, pointer + "/" + index++, depth + 1, maxDepth));
                }
                return Collections.unmodifiableList(list);
            }
            case VALUE_STRING -> {
                String text = p.getText();
                String problem = StrictValues.textProblem(text);
                if (problem != null) {
                    throw invalid(p, "invalid_input", pointer, "the string " + problem);
                }
                return text;
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> p.getIntValue();
                    case LONG -> p.getLongValue();
                    default -> p.getBigIntegerValue();
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return number(p, pointer);
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw invalid(p, "invalid_json", pointer, "unexpected " + describe(t));
        }
    }

    /** The number at the parser's current token, refused when a {@code double} does not hold it exactly ({@link StrictValues}). */
    static double number(JsonParser p, String pointer) throws IOException {
        String text = p.getText();
        double read = p.getDoubleValue();
        java.math.BigDecimal exact;
        try {
            exact = p.getDecimalValue();
        } catch (NumberFormatException e) {
            exact = null;
        }
        String problem = exact == null ? "is out of the range of a 64-bit floating-point number (about ±1.8e308)"
                : StrictValues.numberProblem(exact, read);
        if (problem != null) {
            throw invalid(p, "invalid_input", pointer, "the number " + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + " "
                    + problem);
        }
        return read;
    }

    /** Writes a value built of maps, lists, strings, numbers, booleans and nulls; {@code sorted} orders object keys. */
    public static void write(JsonGenerator g, Object value, boolean sorted) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof JsonWritable w) {
            w.writeJson(g, sorted);
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            if (sorted && map.size() > 1) {
                writeSorted(g, map);
            } else {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue(), sorted);
                }
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object item : list) {
                write(g, item, sorted);
            }
            g.writeEndArray();
        } else if (value instanceof Integer i) {
            g.writeNumber(i);
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof Double d) {
            g.writeNumber(d);
        } else if (value instanceof BigInteger b) {
            g.writeNumber(b);
        } else if (value instanceof BigDecimal b) {
            g.writeNumber(b);
        } else if (value instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof OffsetDateTime t) {
            g.writeString(t.toString());
        } else {
            g.writeString(value.toString());
        }
    }

    /** The members of {@code map} in the order of their keys (as text), each value sorted too. */
    private static void writeSorted(JsonGenerator g, Map<?, ?> map) throws IOException {
        Map.Entry<?, ?>[] entries = map.entrySet().toArray(new Map.Entry<?, ?>[0]);
        Arrays.sort(entries, BY_KEY);
        for (Map.Entry<?, ?> e : entries) {
            g.writeFieldName(String.valueOf(e.getKey()));
            write(g, e.getValue(), true);
        }
    }

    /** The JSON pointer of member {@code name} of the value at {@code pointer}. */
    public static String child(String pointer, String name) {
        return pointer + "/" + name.replace("~", "~0").replace("/", "~1");
    }

    /** What a token is, for messages: "a string", "a number", "an object"... */
    public static String describe(JsonToken t) {
        if (t == null) {
            return "the end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name().toLowerCase() : "'" + t.asString() + "'";
        };
    }

    public static InvalidInputException invalid(JsonParser p, String code, String pointer, String message) {
        JsonLocation loc = p.currentTokenLocation();
        return new InvalidInputException(code, pointer, message, Math.max(loc.getLineNr(), 0), Math.max(loc.getColumnNr(), 0));
    }

    private static void checkDepth(JsonParser p, String pointer, int depth, int maxDepth) {
        if (depth > maxDepth) {
            throw invalid(p, "too_deep", pointer, "nesting deeper than " + maxDepth + " levels");
        }
    }
}
