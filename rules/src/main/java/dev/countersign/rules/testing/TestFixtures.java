package dev.countersign.rules.testing;

import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.engine.ClosestName;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code fixtures} of a rule-test file and the inputs of its cases. Fixtures are named parts
 * ({@code actors}, {@code actions}, {@code resources}, {@code targets}, {@code contexts}) and whole
 * {@code inputs}. In an input, a part given as a string names a fixture of its kind; a part given as
 * a mapping with the key {@code fixture} starts from that fixture, each other key replacing the
 * fixture's field of that name (a list whole; {@code null} removes the field). A whole input works the
 * same way with {@code inputs}: {@code input: name}, or {@code input: {fixture: name, ...}} where each
 * part or top-level field given replaces the fixture's whole. A fixture's own parts may name part
 * fixtures; a part fixture names no other fixture. Each fixture is checked once, where it is written; a
 * case that uses a broken fixture adds no error of its own for it.
 */
final class TestFixtures {
    static final String FIXTURE_KEY = "fixture";
    /** Fixture kinds by the input part they stand for. */
    static final Map<String, String> KINDS = kinds();
    private static final ActionContextReader INPUT = new ActionContextReader();

    private final String file;
    private final Map<String, Map<String, YamlNode>> byKind = new LinkedHashMap<>();
    private final Set<YamlNode> broken = Collections.newSetFromMap(new IdentityHashMap<>());

    private static Map<String, String> kinds() {
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("actor", "actors");
        kinds.put("action", "actions");
        kinds.put("resource", "resources");
        kinds.put("target", "targets");
        kinds.put("context", "contexts");
        return Collections.unmodifiableMap(kinds);
    }

    private TestFixtures(String file) {
        this.file = file;
    }

    /** A file without fixtures. */
    static TestFixtures none(String file) {
        return new TestFixtures(file);
    }

    /** Reads the {@code fixtures} mapping, adding each problem to {@code errors}. */
    static TestFixtures read(String file, YamlNode node, List<PolicyError> errors) {
        TestFixtures f = new TestFixtures(file);
        if (!node.isMap()) {
            errors.add(f.error(node, "fixtures must be a mapping of actors, actions, resources, targets, contexts and inputs, got "
                    + node.kind()));
            return f;
        }
        for (Map.Entry<String, YamlNode> kind : node.map().entrySet()) {
            String name = kind.getKey();
            if (!KINDS.containsValue(name) && !name.equals("inputs")) {
                errors.add(f.error(node.keyAt(name), "an unknown kind of fixture; fixtures are actors, actions, resources, targets,"
                        + " contexts and inputs"));
                continue;
            }
            if (!kind.getValue().isMap()) {
                errors.add(f.error(kind.getValue(), "fixtures " + name + " must be a mapping of names to values, got " + kind.getValue().kind()));
                continue;
            }
            f.byKind.put(name, kind.getValue().map());
        }
        // parts first: an input fixture that names a broken part fixture is broken too, without an error of its own
        f.byKind.forEach((kind, named) -> {
            if (!kind.equals("inputs")) {
                named.forEach((fixtureName, value) -> f.check(kind, fixtureName, value, errors));
            }
        });
        f.byKind.getOrDefault("inputs", Map.of()).forEach((fixtureName, value) -> f.check("inputs", fixtureName, value, errors));
        return f;
    }

    /** Checks one fixture as a case would use it, once, where it is written. */
    private void check(String kind, String name, YamlNode value, List<PolicyError> errors) {
        if (!value.isMap()) {
            errors.add(error(value, "fixture " + kind + "." + name + " must be a mapping, got " + value.kind()));
            broken.add(value);
            return;
        }
        if (value.map().containsKey(FIXTURE_KEY)) {
            errors.add(error(value.keyAt(FIXTURE_KEY), "fixture " + kind + "." + name + " names another fixture;"
                    + " only the parts of an input fixture may"));
            broken.add(value);
            return;
        }
        List<PolicyError> found = new ArrayList<>();
        if (kind.equals("inputs")) {
            YamlNode resolved = resolveInput(value, found);
            if (resolved == null) {
                broken.add(value);
            } else if (found.isEmpty()) {
                decide(resolved, "fixture inputs." + name, "", found);
            }
        } else {
            String part = partOf(kind);
            Map<String, YamlNode> wrapper = new LinkedHashMap<>();
            wrapper.put(part, value);
            if (!part.equals("action")) {
                YamlNode actionName = new YamlNode("fixture", JsonToken.VALUE_STRING, value.line, value.column, Map.of());
                wrapper.put("action", YamlNode.mapAt(value, Map.of("name", actionName), Map.of()));
            }
            decide(YamlNode.mapAt(value, wrapper, Map.of()), "fixture " + kind + "." + name, "/" + part, found);
        }
        if (!found.isEmpty()) {
            errors.addAll(found);
            broken.add(value);
        }
    }

    private static String partOf(String kind) {
        for (Map.Entry<String, String> e : KINDS.entrySet()) {
            if (e.getValue().equals(kind)) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException(kind);
    }

    /**
     * The action context of a case's {@code input}, fixtures resolved; null after adding the problems
     * to {@code errors} (none when only a broken fixture stands in the way: its own error is reported).
     */
    ActionContext input(YamlNode input, List<PolicyError> errors) {
        YamlNode resolved = resolveInput(input, errors);
        return resolved == null ? null : decide(resolved, "input", "", errors);
    }

    /** The input as one mapping, every fixture it names in place; null when it cannot be. */
    private YamlNode resolveInput(YamlNode input, List<PolicyError> errors) {
        YamlNode base = null;
        Map<String, YamlNode> entries = new LinkedHashMap<>();
        Map<String, int[]> keys = new LinkedHashMap<>();
        if (input.isString()) {
            base = named("inputs", input, errors);
            if (base == null) {
                return null;
            }
            entries.putAll(base.map());
            keys.putAll(base.keys);
        } else if (input.isMap()) {
            YamlNode ref = input.map().get(FIXTURE_KEY);
            if (ref != null) {
                base = named("inputs", ref, errors);
                if (base == null) {
                    return null;
                }
                entries.putAll(base.map());
                keys.putAll(base.keys);
            }
            input.map().forEach((k, v) -> {
                if (!k.equals(FIXTURE_KEY)) {
                    entries.put(k, v);
                    keys.put(k, input.keyAt(k));
                }
            });
        } else {
            errors.add(error(input, "expected the action context to decide, or the name of an input fixture, got " + input.kind()));
            return null;
        }
        boolean ok = true;
        for (Map.Entry<String, String> kind : KINDS.entrySet()) {
            YamlNode part = entries.get(kind.getKey());
            if (part == null) {
                continue;
            }
            YamlNode resolved = resolvePart(kind.getValue(), part, errors);
            if (resolved == null) {
                ok = false;
            } else {
                entries.put(kind.getKey(), resolved);
            }
        }
        return ok ? YamlNode.mapAt(input, entries, keys) : null;
    }

    /** A part as a mapping: itself, the fixture it names, or that fixture with the fields given replaced. */
    private YamlNode resolvePart(String kind, YamlNode part, List<PolicyError> errors) {
        if (part.isString()) {
            return named(kind, part, errors);
        }
        if (!part.isMap() || !part.map().containsKey(FIXTURE_KEY)) {
            return part;
        }
        YamlNode base = named(kind, part.map().get(FIXTURE_KEY), errors);
        if (base == null) {
            return null;
        }
        Map<String, YamlNode> entries = new LinkedHashMap<>(base.map());
        Map<String, int[]> keys = new LinkedHashMap<>(base.keys);
        part.map().forEach((k, v) -> {
            if (!k.equals(FIXTURE_KEY)) {
                entries.put(k, v);
                keys.put(k, part.keyAt(k));
            }
        });
        return YamlNode.mapAt(part, entries, keys);
    }

    /** The fixture of {@code kind} that {@code ref} names; null after an error when there is none, silently when it is broken. */
    private YamlNode named(String kind, YamlNode ref, List<PolicyError> errors) {
        if (!ref.isString()) {
            errors.add(error(ref, "expected the name of a fixture of " + kind + ", got " + ref.kind()));
            return null;
        }
        Map<String, YamlNode> known = byKind.getOrDefault(kind, Map.of());
        YamlNode found = known.get(ref.text());
        if (found == null) {
            errors.add(error(ref, "no fixture of " + kind + " is named \"" + ref.text() + "\""
                    + ClosestName.hint(ref.text(), known.keySet())
                    + (known.isEmpty() ? "; the file defines none" : "; " + kind + " are " + new TreeSet<>(known.keySet()))));
            return null;
        }
        return broken.contains(found) ? null : found;
    }

    /**
     * Reads a resolved input as the server would; a problem is placed where the offending value is
     * written and named {@code label} followed by its JSON pointer, {@code strip} taken off the pointer's start.
     */
    private ActionContext decide(YamlNode resolved, String label, String strip, List<PolicyError> errors) {
        try {
            return INPUT.read(Json.write(g -> JsonValues.write(g, resolved.plain(), false)));
        } catch (InvalidInputException e) {
            YamlNode at = resolved.along(e.pointer());
            String pointer = !strip.isEmpty() && e.pointer().startsWith(strip) ? e.pointer().substring(strip.length()) : e.pointer();
            errors.add(error(at, label + pointer + ": " + withoutValue(e.getMessage())));
            return null;
        }
    }

    /**
     * A message of the input reader without the value it quotes: a rule-test file's text is not
     * shown in compile errors (the place is).
     */
    static String withoutValue(String message) {
        return message.replaceAll(", got \"[^\"]*\"$", "");
    }

    private PolicyError error(YamlNode at, String message) {
        return new PolicyError(file, at.line, at.column, message);
    }

    private PolicyError error(int[] at, String message) {
        return new PolicyError(file, at[0], at[1], message);
    }
}
