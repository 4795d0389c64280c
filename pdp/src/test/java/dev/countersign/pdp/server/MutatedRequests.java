package dev.countersign.pdp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Valid requests of every endpoint that takes a JSON body or input, mutated at random from one seed:
 * a value replaced by a hostile one (numbers no 64-bit float holds, huge integers, control
 * characters, lone surrogates, NULs, long and deep values, other types), a field removed or added
 * (odd keys included), a key written twice, the text truncated or a byte inserted, another content
 * type. Each mutation is one request whose bytes are exactly what it sends.
 */
final class MutatedRequests {
    private static final JsonNodeFactory F = JsonNodeFactory.withExactBigDecimals(true);
    static final String UNKNOWN_APPROVAL = "apr_" + "0".repeat(26);

    /** Where a mutation goes and how its accepted answer is checked against the audit log. */
    enum Endpoint {
        DECISIONS("POST", "/v1/decisions", true),
        DATA_V1("POST", "/v1/data/approvals", true),
        DATA_V1_QUERY("GET", "/v1/data/approvals", true),
        DATA_V0("POST", "/v0/data/approvals", false),
        VOTES("POST", "/v1/approvals/" + UNKNOWN_APPROVAL + "/votes", false);

        final String method;
        final String path;
        /** Whether an accepted request's answer names a decision whose record holds the input. */
        final boolean recorded;

        Endpoint(String method, String path, boolean recorded) {
            this.method = method;
            this.path = path;
            this.recorded = recorded;
        }
    }

    /** One mutated request: its endpoint, what was done, the body or query as sent, its content type, and whether its text was edited. */
    record Mutation(Endpoint endpoint, String what, String path, String body, String contentType, boolean textEdited) {
        /** The token its endpoint needs. */
        String token() {
            return endpoint == Endpoint.VOTES ? "carol" : "gateway";
        }
    }

    private final Random random;

    MutatedRequests(long seed) {
        this.random = new Random(seed);
    }

    static ObjectNode validContext() {
        ObjectNode c = F.objectNode();
        c.putObject("actor").put("id", "agent:etl-bot").put("type", "agent").put("on_behalf_of", "alice@example.com")
                .set("roles", F.arrayNode().add("reader").add("exporter"));
        c.putObject("action").put("name", "data.read").put("command", "SELECT * FROM t").put("intent", "quarterly report\n\"q4\" — Zürich");
        c.putObject("resource").put("type", "table").put("id", "prod.customers").put("classification", "pii")
                .put("environment", "staging").put("region", "eu-west-1");
        c.putObject("target").put("region", "eu-west-1");
        c.putObject("context").put("source_ip", "10.0.0.7").put("time", "2026-11-21T09:30:00Z").put("model_id", "gpt-4.1")
                .set("compliance_tags", F.arrayNode().add("gdpr"));
        ObjectNode attributes = c.putObject("attributes");
        attributes.put("rows", 10).put("ratio", 0.25).put("note", "ok").set("flags", F.arrayNode().add(true).add(false));
        attributes.set("limits", F.objectNode().put("max", 1000));
        c.put("ticket", "T-1");
        return c;
    }

    /** The next mutated request. */
    Mutation next() {
        Endpoint endpoint = Endpoint.values()[pick(new int[]{40, 20, 15, 10, 15})];
        ObjectNode root = switch (endpoint) {
            case DATA_V1 -> (ObjectNode) F.objectNode().set("input", validContext());
            case VOTES -> F.objectNode().put("vote", random.nextBoolean() ? "approve" : "deny").put("comment", "looks fine");
            default -> validContext();
        };
        Set<JsonNode> twice = Collections.newSetFromMap(new IdentityHashMap<>());
        List<String> done = new ArrayList<>();
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            done.add(mutate(root, twice));
        }
        String text = write(root, twice);
        boolean edited = false;
        if (random.nextInt(8) == 0) {
            int at = random.nextInt(text.length() + 1);
            if (random.nextBoolean()) {
                text = text.substring(0, at);
                done.add("truncated at " + at);
            } else {
                String inserted = pickOf("{", "}", "\"", ",", ":", "\\", "]", "\u0000", "\u00ff", "\u00c0", "/*", "\ud800");
                text = text.substring(0, at) + inserted + text.substring(at);
                done.add("inserted U+" + Integer.toHexString(inserted.charAt(0)) + " at " + at);
            }
            edited = true;
        }
        String contentType = "application/json";
        if (endpoint != Endpoint.DATA_V1_QUERY && random.nextInt(12) == 0) {
            contentType = pickOf("text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "application/problem+json",
                    "application/xml");
            done.add("sent as " + contentType);
        }
        String what = endpoint + ": " + String.join("; ", done);
        if (endpoint == Endpoint.DATA_V1_QUERY) {
            return new Mutation(endpoint, what, endpoint.path + "?input=" + URLEncoder.encode(text, StandardCharsets.UTF_8), null, null, edited);
        }
        return new Mutation(endpoint, what, endpoint.path, text, contentType, edited);
    }

    private String mutate(ObjectNode root, Set<JsonNode> twice) {
        List<Slot> slots = new ArrayList<>();
        collect(root, "", slots);
        Slot slot = slots.get(random.nextInt(slots.size()));
        switch (random.nextInt(6)) {
            case 0, 1, 2 -> {
                JsonNode value = hostileValue();
                slot.set(value);
                return "replaced " + slot.pointer + " with " + abbreviate(value.toString());
            }
            case 3 -> {
                slot.remove();
                return "removed " + slot.pointer;
            }
            case 4 -> {
                ObjectNode into = slot.parent instanceof ObjectNode o ? o : root;
                String key = pickOf("extra", "", " ", "a/b~c", "ticket", "attributes", "k\u0000", "k\u001b", "\ud83d\ude00", "rows",
                        "approval_id", "callback_url", "ключ", "x".repeat(300));
                into.set(key, hostileValue());
                return "added " + abbreviate(key);
            }
            default -> {
                JsonNode object = slot.parent instanceof ObjectNode o && o.size() > 0 ? o : root;
                twice.add(object);
                return "wrote the first key of " + (object == root ? "the root" : slot.parentPointer) + " twice";
            }
        }
    }

    /** A place in the tree: a member of an object or an element of an array. */
    private static final class Slot {
        final JsonNode parent;
        final String key;
        final int index;
        final String pointer;
        final String parentPointer;

        Slot(JsonNode parent, String key, int index, String parentPointer) {
            this.parent = parent;
            this.key = key;
            this.index = index;
            this.parentPointer = parentPointer;
            this.pointer = parentPointer + "/" + (key != null ? key : Integer.toString(index));
        }

        void set(JsonNode value) {
            if (parent instanceof ObjectNode o) {
                o.set(key, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }

        void remove() {
            if (parent instanceof ObjectNode o) {
                o.remove(key);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }
    }

    private static void collect(JsonNode node, String pointer, List<Slot> slots) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Slot slot = new Slot(o, e.getKey(), -1, pointer);
                slots.add(slot);
                collect(e.getValue(), slot.pointer, slots);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                Slot slot = new Slot(a, null, i, pointer);
                slots.add(slot);
                collect(a.get(i), slot.pointer, slots);
            }
        }
    }

    private JsonNode hostileValue() {
        return switch (random.nextInt(5)) {
            case 0 -> F.numberNode(new BigDecimal(pickOf("1e999999", "-1e400", "10000.0000000000001", "1e-400", "0.1000000000000000000001",
                    "9007199254740993.0", "4.9e-324", "1.7976931348623157e308", "-0.0", "0.5", "1e22", "2.5e-3", "100.0")));
            case 1 -> F.numberNode(new BigInteger(pickOf("0", "-17", "9223372036854775808", "123456789012345678901234567890",
                    "-99999999999999999999999", "2147483648")));
            case 2 -> F.textNode(pickOf("", " ", "data.read", "a\u0000b", "\ud800", "x\udc00y", "tab\there", "line\nbreak", "esc\u001b[31m",
                    "bell\u0007", "del\u007f", "nel\u0085", "\u202eevil", "zero\u200bwidth", "😀 emoji", "\ufeffbom", "x".repeat(5000),
                    "2026-11-21T09:30:00+02:00", "apr_" + "0".repeat(26)));
            case 3 -> pickOf(F.booleanNode(true), F.nullNode(), F.arrayNode(), F.objectNode(), F.arrayNode().add(1).add("two").addNull(),
                    F.objectNode().put("nested", true));
            default -> deep(1 + random.nextInt(45));
        };
    }

    private static JsonNode deep(int levels) {
        JsonNode node = F.numberNode(1);
        for (int i = 0; i < levels; i++) {
            node = i % 2 == 0 ? F.arrayNode().add(node) : F.objectNode().set("d", node);
        }
        return node;
    }

    /**
     * The JSON text of {@code node}: every character outside printable ASCII escaped as
     * {@code \\uXXXX} (so lone surrogates and control characters go on the wire as escapes), numbers
     * as their exact text, the first key of each object in {@code twice} written twice.
     */
    static String write(JsonNode node, Set<JsonNode> twice) {
        StringBuilder out = new StringBuilder();
        write(node, twice, out);
        return out.toString();
    }

    private static void write(JsonNode node, Set<JsonNode> twice, StringBuilder out) {
        if (node instanceof ObjectNode o) {
            out.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int copies = first && twice.contains(o) ? 2 : 1;
                for (int c = 0; c < copies; c++) {
                    if (!first || c > 0) {
                        out.append(", ");
                    }
                    string(e.getKey(), out);
                    out.append(": ");
                    write(e.getValue(), twice, out);
                }
                first = false;
            }
            out.append('}');
        } else if (node instanceof ArrayNode a) {
            out.append('[');
            for (int i = 0; i < a.size(); i++) {
                out.append(i == 0 ? "" : ", ");
                write(a.get(i), twice, out);
            }
            out.append(']');
        } else if (node.isTextual()) {
            string(node.textValue(), out);
        } else if (node.isBigDecimal()) {
            out.append(node.decimalValue().toString());
        } else {
            out.append(node.toString());
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private int pick(int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int r = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    @SafeVarargs
    private <T> T pickOf(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String abbreviate(String s) {
        String line = s.replaceAll("\\p{Cntrl}", "·");
        return line.length() <= 60 ? line : line.substring(0, 59) + "…";
    }

    /** Reads JSON text exactly (numbers as BigDecimal and BigInteger), or throws. */
    static JsonNode readExact(String text) {
        try {
            return BadRequests.EXACT.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
