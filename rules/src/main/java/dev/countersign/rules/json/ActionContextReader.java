package dev.countersign.rules.json;

import static dev.countersign.rules.json.JsonValues.child;
import static dev.countersign.rules.json.JsonValues.describe;
import static dev.countersign.rules.json.JsonValues.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.countersign.rules.Identities;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an action context from JSON (or YAML) in one streaming pass. Field names are snake_case.
 * A field the model has no property for is kept in the {@code attributes} of its part (or of the
 * context, at the top level), never dropped; a part's nested {@code attributes} object says the same
 * ({@link PartFields}). {@code context.time} is read into UTC, its offset kept as the context
 * attribute {@code time_offset}, which a caller may not send. Every problem is an {@link InvalidInputException}
 * naming the JSON pointer of the offending value: a wrong type, a malformed document, a missing
 * {@code action.name}, nesting deeper than the limit, a duplicate key, or a camelCase form of a
 * snake_case field.
 *
 * <p>Top-level fields named in {@code envelope} are not part of the action context: they are read as
 * free values and returned beside it (the server's {@code approval_id}, {@code callback_url}).
 */
public final class ActionContextReader {
    public static final int DEFAULT_MAX_DEPTH = 32;

    private final int maxDepth;
    private final Set<String> envelope;

    public ActionContextReader() {
        this(DEFAULT_MAX_DEPTH, Set.of());
    }

    public ActionContextReader(int maxDepth, Set<String> envelope) {
        this.maxDepth = maxDepth;
        this.envelope = Set.copyOf(envelope);
    }

    /** An action context and the envelope fields that came with it. */
    public record Parsed(ActionContext context, Map<String, Object> envelope) {
    }

    /** Reads a whole JSON document holding one action context. */
    public ActionContext read(byte[] json) {
        return readDocument(json).context();
    }

    /** Reads a whole JSON document holding one action context and, possibly, envelope fields. */
    public Parsed readDocument(byte[] json) {
        return document(json, "an action context object", "the action context", p -> readObject(p));
    }

    /**
     * Reads member {@code member} of a JSON document's top-level object as an action context (OPA's
     * {@code {"input": {...}}}); other members are skipped. Pointers in errors start with
     * {@code /member}. Answers null when the document has no such member.
     */
    public ActionContext readMember(byte[] json, String member) {
        return document(json, "{\"" + member + "\": {...}}", "the document", p -> {
            expectObject(p, "");
            ActionContext found = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals(member)) {
                    found = p.currentToken() == JsonToken.VALUE_NULL ? null : readObject(p, "/" + member).context();
                } else {
                    p.skipChildren();
                }
            }
            return found;
        });
    }

    /**
     * Reads a whole JSON document holding one value of any kind (a request body that is not an
     * action context), held to the same strictness: what {@link JsonValues#read} refuses, a
     * duplicate key, nesting deeper than the limit, trailing content, an empty body.
     */
    public Object readValue(byte[] json) {
        return document(json, "a JSON value", "the document", p -> JsonValues.read(p, "", 1, maxDepth));
    }

    /** Reads one whole document with {@code body}, turning every way JSON can be wrong into an {@link InvalidInputException}. */
    private <T> T document(byte[] json, String expected, String whole, DocumentBody<T> body) {
        try (JsonParser p = Json.parser(json)) {
            try {
                if (p.nextToken() == null) {
                    throw new InvalidInputException("invalid_input", "", "the body is empty; expected " + expected, 0, 0);
                }
                T value = body.read(p);
                JsonToken trailing = p.nextToken();
                if (trailing != null) {
                    throw invalid(p, "invalid_json", "", "unexpected " + describe(trailing) + " after " + whole);
                }
                return value;
            } catch (StreamConstraintsException e) {
                String at = pointer(p);
                String message = String.valueOf(e.getMessage());
                if (message.startsWith("Number")) {
                    throw invalid(p, "invalid_input", at, "a number is longer than this server reads (1000 digits)");
                }
                if (message.startsWith("Name")) {
                    throw invalid(p, "invalid_input", at, "a key is longer than this server reads (50000 characters)");
                }
                throw invalid(p, "too_deep", at, "nesting deeper than " + maxDepth + " levels");
            } catch (JsonProcessingException e) {
                throw malformed(p, e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface DocumentBody<T> {
        T read(JsonParser p) throws IOException;
    }

    /**
     * Reads the object at the parser's current token (which must be {@code START_OBJECT}) and leaves
     * the parser on its {@code END_OBJECT}. Malformed input surfaces as {@link JsonProcessingException}.
     */
    public Parsed readObject(JsonParser p) throws IOException {
        return readObject(p, "");
    }

    /** As {@link #readObject(JsonParser)}, with error pointers below {@code root} (e.g. {@code /input}). */
    public Parsed readObject(JsonParser p, String root) throws IOException {
        int base = root.isEmpty() ? 0 : (int) root.chars().filter(c -> c == '/').count();
        expectObject(p, root);
        Actor actor = null;
        Action action = null;
        Resource resource = null;
        Target target = null;
        Context context = null;
        Map<String, Object> attributes = null;
        Map<String, Object> unknown = null;
        Map<String, Object> env = Collections.emptyMap();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            String at = child(root, field);
            switch (field) {
                case "actor" -> actor = readActor(p, at, base);
                case "action" -> action = readAction(p, at, base);
                case "resource" -> resource = readResource(p, at, base);
                case "target" -> target = readTarget(p, at, base);
                case "context" -> context = readContext(p, at, base);
                case "attributes" -> attributes = readAttributes(p, at, base);
                default -> {
                    Object value = JsonValues.read(p, at, base + 2, maxDepth);
                    if (envelope.contains(field)) {
                        if (env.isEmpty()) {
                            env = new LinkedHashMap<>();
                        }
                        env.put(field, value);
                    } else {
                        unknown = put(p, at, unknown, field, value);
                    }
                }
            }
        }
        if (action == null) {
            throw invalid(p, "invalid_input", root + "/action", "required: the action, with at least its name");
        }
        if (unknown != null) {
            Map<String, Object> merged = attributes == null ? new LinkedHashMap<>() : new LinkedHashMap<>(attributes);
            for (Map.Entry<String, Object> e : unknown.entrySet()) {
                if (merged.containsKey(e.getKey())) {
                    throw invalid(p, "invalid_input", child(root, e.getKey()),
                            "given both at the top level and in /attributes; send it once");
                }
                merged.put(e.getKey(), e.getValue());
            }
            attributes = merged;
        }
        return new Parsed(new ActionContext(actor, action, resource, target, context, attributes), env);
    }

    private Actor readActor(JsonParser p, String at, int base) throws IOException {
        if (isNull(p)) {
            return null;
        }
        expectObject(p, at);
        String id = null, type = null, onBehalfOf = null;
        List<String> roles = null, groups = null;
        PartFields extra = new PartFields(at, base + 3, maxDepth, ACTOR_FIELDS, Map.of());
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "id" -> id = identity(p, at, field);
                case "type" -> type = string(p, at, field);
                case "roles" -> roles = strings(p, at, field);
                case "groups" -> groups = strings(p, at, field);
                case "on_behalf_of" -> onBehalfOf = identity(p, at, field);
                default -> extra.read(p, field);
            }
        }
        return new Actor(id, type, roles, groups, onBehalfOf, extra.attributes(p));
    }

    private Action readAction(JsonParser p, String at, int base) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            throw invalid(p, "invalid_input", at, "required: the action, with at least its name");
        }
        expectObject(p, at);
        String name = null, command = null, intent = null;
        PartFields extra = new PartFields(at, base + 3, maxDepth, ACTION_FIELDS, Map.of());
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> name = string(p, at, field);
                case "command" -> command = text(p, at, field);
                case "intent" -> intent = text(p, at, field);
                default -> extra.read(p, field);
            }
        }
        if (name == null || name.isBlank()) {
            throw invalid(p, "invalid_input", at + "/name", "required: a non-empty action name such as \"data.export\"");
        }
        return new Action(name, command, intent, extra.attributes(p));
    }

    private Resource readResource(JsonParser p, String at, int base) throws IOException {
        if (isNull(p)) {
            return null;
        }
        expectObject(p, at);
        String type = null, id = null, classification = null, environment = null, region = null, owner = null;
        PartFields extra = new PartFields(at, base + 3, maxDepth, RESOURCE_FIELDS, Map.of());
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "type" -> type = string(p, at, field);
                case "id" -> id = string(p, at, field);
                case "classification" -> classification = string(p, at, field);
                case "environment" -> environment = string(p, at, field);
                case "region" -> region = string(p, at, field);
                case "owner" -> owner = string(p, at, field);
                default -> extra.read(p, field);
            }
        }
        return new Resource(type, id, classification, environment, region, owner, extra.attributes(p));
    }

    private Target readTarget(JsonParser p, String at, int base) throws IOException {
        if (isNull(p)) {
            return null;
        }
        expectObject(p, at);
        String region = null, endpoint = null;
        PartFields extra = new PartFields(at, base + 3, maxDepth, TARGET_FIELDS, Map.of());
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "region" -> region = string(p, at, field);
                case "endpoint" -> endpoint = string(p, at, field);
                default -> extra.read(p, field);
            }
        }
        return new Target(region, endpoint, extra.attributes(p));
    }

    /** The wire fields of each part, which a camelCase field is checked against ({@link PartFields}). */
    private static final Set<String> ACTOR_FIELDS = Set.of("id", "type", "roles", "groups", "on_behalf_of");
    private static final Set<String> ACTION_FIELDS = Set.of("name", "command", "intent");
    private static final Set<String> RESOURCE_FIELDS = Set.of("type", "id", "classification", "environment", "region", "owner");
    private static final Set<String> TARGET_FIELDS = Set.of("region", "endpoint");
    private static final Set<String> CONTEXT_FIELDS = Set.of("model_id", "dataset_origin", "compliance_tags", "source_ip", "time");

    /** Context fields the server sets, never the caller. */
    private static final Map<String, String> CONTEXT_RESERVED = Map.of(Context.TIME_OFFSET,
            "time_offset is not sent: the server keeps the offset of /context/time under that name; send the time with its offset,"
                    + " such as \"2026-11-21T10:30:00+08:00\"");

    private Context readContext(JsonParser p, String at, int base) throws IOException {
        if (isNull(p)) {
            return null;
        }
        expectObject(p, at);
        String modelId = null, datasetOrigin = null, sourceIp = null;
        List<String> tags = null;
        OffsetDateTime time = null;
        PartFields extra = new PartFields(at, base + 3, maxDepth, CONTEXT_FIELDS, CONTEXT_RESERVED);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "model_id" -> modelId = string(p, at, field);
                case "dataset_origin" -> datasetOrigin = string(p, at, field);
                case "compliance_tags" -> tags = strings(p, at, field);
                case "source_ip" -> sourceIp = string(p, at, field);
                case "time" -> time = time(p, at, field);
                default -> extra.read(p, field);
            }
        }
        return new Context(modelId, datasetOrigin, tags, sourceIp, time, extra.attributes(p));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readAttributes(JsonParser p, String at, int base) throws IOException {
        if (isNull(p)) {
            return null;
        }
        expectObject(p, at);
        return (Map<String, Object>) JsonValues.read(p, at, base + 2, maxDepth);
    }

    private static boolean isNull(JsonParser p) {
        return p.currentToken() == JsonToken.VALUE_NULL;
    }

    private static void expectObject(JsonParser p, String at) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(p, "invalid_input", at, "expected an object, got " + describe(p.currentToken()));
        }
    }

    // The readers of one value below take the pointer of its part and its field name, and join them into
    // the value's JSON pointer only to report a problem: a valid document builds no pointer per field.

    /** An identifier: a string without control characters ({@link StrictValues}). */
    private static String string(JsonParser p, String part, String field) throws IOException {
        String s = anyString(p, part, field);
        String problem = StrictValues.identifierProblem(s);
        if (problem != null) {
            throw invalid(p, "invalid_input", child(part, field), "the value " + problem);
        }
        return s;
    }

    /** Free text (a command, an intent): tabs and line breaks allowed, no other control character ({@link StrictValues}). */
    private static String text(JsonParser p, String part, String field) throws IOException {
        String s = anyString(p, part, field);
        String problem = StrictValues.textProblem(s);
        if (problem != null) {
            throw invalid(p, "invalid_input", child(part, field), "the text " + problem);
        }
        return s;
    }

    private static String anyString(JsonParser p, String part, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw invalid(p, "invalid_input", child(part, field), "expected a string, got " + describe(t));
    }

    /** A string naming a person or agent, refused when it holds a character that cannot be seen ({@link Identities}). */
    private static String identity(JsonParser p, String part, String field) throws IOException {
        String id = string(p, part, field);
        String problem = Identities.problem(id);
        if (problem != null) {
            throw invalid(p, "invalid_input", child(part, field), "an identity " + problem);
        }
        return id;
    }

    private static List<String> strings(JsonParser p, String part, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            throw invalid(p, "invalid_input", child(part, field), "expected an array of strings, got " + describe(t));
        }
        List<String> values = new ArrayList<>();
        int index = 0;
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
            if (item != JsonToken.VALUE_STRING) {
                throw invalid(p, "invalid_input", child(part, field) + "/" + index, "expected a string, got " + describe(item));
            }
            String problem = StrictValues.identifierProblem(p.getText());
            if (problem != null) {
                throw invalid(p, "invalid_input", child(part, field) + "/" + index, "the value " + problem);
            }
            values.add(p.getText());
            index++;
        }
        return values;
    }

    private static OffsetDateTime time(JsonParser p, String part, String field) throws IOException {
        String text = string(p, part, field);
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw invalid(p, "invalid_input", child(part, field),
                    "expected an ISO-8601 date-time with an offset, such as \"2026-11-21T09:30:00Z\", got \"" + text + "\"");
        }
    }

    private static Map<String, Object> put(JsonParser p, String at, Map<String, Object> map, String key, Object value) {
        String problem = StrictValues.textProblem(key);
        if (problem != null) {
            throw invalid(p, "invalid_input", at, "the key " + problem);
        }
        Map<String, Object> m = map == null ? new LinkedHashMap<>() : map;
        m.put(key, value);
        return m;
    }

    /** The JSON pointer of where the parser is, or "" when it cannot say. */
    private static String pointer(JsonParser p) {
        try {
            return p.getParsingContext().pathAsPointer().toString();
        } catch (RuntimeException ignored) {
            return "";
        }
    }

    private static InvalidInputException malformed(JsonParser p, JsonProcessingException e) {
        String pointer = pointer(p);
        var loc = e.getLocation();
        String message = e.getOriginalMessage();
        int cut = message.indexOf('\n');
        if (cut > 0) {
            message = message.substring(0, cut);
        }
        return new InvalidInputException("invalid_json", pointer, "malformed JSON: " + message,
                loc == null ? 0 : Math.max(loc.getLineNr(), 0), loc == null ? 0 : Math.max(loc.getColumnNr(), 0));
    }
}
