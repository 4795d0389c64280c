package dev.countersign.rules.bundle;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import dev.countersign.rules.json.SyntaxErrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The controls a bundle's rules may name: {@code controls.yaml} at the bundle root,
 * {@code controls: [{id: "SOC2:CC6.1", title: "Logical access", framework: "SOC 2"}, ...]}. When a
 * bundle holds one, a rule naming a control that is not in it does not compile. Ids are unique;
 * {@code title} and {@code framework} are optional text shown beside the id in reports.
 */
public record ControlCatalogue(String file, Map<String, Control> controls) {
    /** The catalogue's file name, at the bundle root. */
    public static final String FILE = "controls.yaml";

    /** The longest control id accepted, in a rule or the catalogue. */
    public static final int MAX_ID_LENGTH = 100;

    public ControlCatalogue {
        controls = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(controls));
    }

    /** One control of the catalogue, with where its id is written. */
    public record Control(String id, String title, String framework, int line, int column) {
    }

    public boolean contains(String id) {
        return controls.containsKey(id);
    }

    /**
     * What is wrong with {@code id} as a control id, or null when it is one: non-empty, at most
     * {@value #MAX_ID_LENGTH} characters, no space at either end, no control characters.
     */
    public static String problemWith(String id) {
        if (id.isBlank()) {
            return "a control id must not be empty";
        }
        if (id.length() > MAX_ID_LENGTH) {
            return "a control id has at most " + MAX_ID_LENGTH + " characters, this one " + id.length();
        }
        if (!id.equals(id.strip())) {
            return "a control id must not begin or end with a space";
        }
        if (id.chars().anyMatch(Character::isISOControl)) {
            return "a control id must not hold control characters";
        }
        return null;
    }

    private static final String SHAPE = "a catalogue is controls: [{id: \"SOC2:CC6.1\", title: \"...\", framework: \"...\"}]";

    /** Reads a catalogue; each problem is reported at its place, without quoting the file. Null when it cannot be used. */
    static ControlCatalogue read(SourceFile file, List<PolicyError> errors) {
        Map<String, Control> controls = new LinkedHashMap<>();
        int before = errors.size();
        try (JsonParser p = Json.YAML_FACTORY.createParser(file.content())) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                errors.add(at(file, p.currentTokenLocation(), "expected a mapping; " + SHAPE + ", got " + JsonValues.describe(first)));
                return null;
            }
            boolean listed = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                JsonLocation keyAt = p.currentTokenLocation();
                String key = p.currentName();
                p.nextToken();
                if (!key.equals("controls")) {
                    errors.add(at(file, keyAt, "an unknown key; " + SHAPE));
                    p.skipChildren();
                    continue;
                }
                listed = true;
                if (p.currentToken() != JsonToken.START_ARRAY) {
                    errors.add(at(file, p.currentTokenLocation(), "controls must be a list; " + SHAPE + ", got "
                            + JsonValues.describe(p.currentToken())));
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    readControl(file, p, controls, errors);
                }
            }
            if (!listed) {
                errors.add(new PolicyError(file.path(), 1, 1, "no controls; " + SHAPE));
            }
        } catch (JsonProcessingException e) {
            SyntaxErrors.Syntax syntax = SyntaxErrors.describe(e, true);
            errors.add(new PolicyError(file.path(), syntax.line(), syntax.column(), syntax.message()));
        } catch (IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be read"));
        }
        return errors.size() == before ? new ControlCatalogue(file.path(), controls) : null;
    }

    private static void readControl(SourceFile file, JsonParser p, Map<String, Control> controls, List<PolicyError> errors)
            throws IOException {
        JsonLocation entryAt = p.currentTokenLocation();
        if (p.currentToken() != JsonToken.START_OBJECT) {
            errors.add(at(file, entryAt, "a control must be a mapping with id, title and framework, got "
                    + JsonValues.describe(p.currentToken())));
            p.skipChildren();
            return;
        }
        String id = null;
        boolean idGiven = false;
        JsonLocation idAt = entryAt;
        Map<String, String> texts = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            JsonLocation keyAt = p.currentTokenLocation();
            String key = p.currentName();
            p.nextToken();
            JsonLocation valueAt = p.currentTokenLocation();
            idGiven |= key.equals("id");
            if (!List.of("id", "title", "framework").contains(key)) {
                errors.add(at(file, keyAt, "an unknown key; a control has id, title and framework"));
                p.skipChildren();
                continue;
            }
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                errors.add(at(file, valueAt, key + " must be a string, got " + JsonValues.describe(p.currentToken())));
                p.skipChildren();
                continue;
            }
            if (key.equals("id")) {
                id = p.getText();
                idAt = valueAt;
            } else {
                texts.put(key, p.getText());
            }
        }
        if (id == null) {
            if (!idGiven) {
                errors.add(at(file, entryAt, "a control needs an id, such as \"SOC2:CC6.1\""));
            }
            return;
        }
        String problem = problemWith(id);
        if (problem != null) {
            errors.add(at(file, idAt, problem));
            return;
        }
        Control earlier = controls.get(id);
        if (earlier != null) {
            errors.add(at(file, idAt, "control \"" + id + "\" is already listed at line " + earlier.line()));
            return;
        }
        controls.put(id, new Control(id, texts.get("title"), texts.get("framework"), Math.max(idAt.getLineNr(), 0),
                Math.max(idAt.getColumnNr(), 0)));
    }

    private static PolicyError at(SourceFile file, JsonLocation loc, String message) {
        return new PolicyError(file.path(), Math.max(loc.getLineNr(), 0), Math.max(loc.getColumnNr(), 0), message);
    }

    /** The catalogue's controls in the order listed. */
    public List<Control> list() {
        return new ArrayList<>(controls.values());
    }
}
