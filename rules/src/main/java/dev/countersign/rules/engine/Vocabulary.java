package dev.countersign.rules.engine;

import dev.countersign.rules.engine.PolicyCompiler.ParsedFile;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.drools.drl.ast.descr.TypeDeclarationDescr;

/**
 * What rules are written with, for the hints of compile errors: the fact types rules may match and
 * the properties of each (the parts of an action context, Actor, Action, Resource, Target, Context
 * and ActionContext, and the types the bundle declares), and the functions a consequence may call
 * (allow, deny, requireApproval and the bundle's DRL functions). A near miss is a name equal but for case and underscores or dashes
 * ({@code on_behalf_of} for {@code onBehalfOf}), or one within a small edit distance of the name.
 */
final class Vocabulary {
    private final Map<String, List<String>> properties;
    private final List<String> functions;

    private Vocabulary(Map<String, List<String>> properties, List<String> functions) {
        this.properties = properties;
        this.functions = functions;
    }

    /** The fact types of a bundle whose rule files that parsed are {@code parsed}. */
    static Vocabulary of(List<ParsedFile> parsed, List<String> verdicts) {
        Map<String, List<String>> properties = new LinkedHashMap<>();
        List<String> functions = new ArrayList<>(verdicts);
        for (Part part : Part.values()) {
            properties.put(part.type.getSimpleName(),
                    Arrays.stream(part.type.getRecordComponents()).map(RecordComponent::getName).toList());
        }
        for (ParsedFile p : parsed) {
            for (TypeDeclarationDescr type : p.descr().getTypeDeclarations()) {
                properties.putIfAbsent(type.getTypeName(), List.copyOf(type.getFields().keySet()));
            }
            p.descr().getFunctions().forEach(f -> functions.add(f.getName()));
        }
        return new Vocabulary(properties, functions);
    }

    /** The message for a pattern on {@code type}, which is no fact type. */
    String unknownType(String type) {
        String near = nearest(type, properties.keySet());
        return "unknown fact type '" + type + "'" + (near == null ? "; the" : "; did you mean " + near + "? The")
                + " fact types are " + String.join(", ", properties.keySet());
    }

    /** The hint for {@code property}, which {@code type} lacks: the near miss, and the properties it has; empty for other types. */
    String unknownPropertyHint(String type, String property) {
        List<String> known = properties.get(type);
        if (known == null) {
            return "";
        }
        String near = nearest(property, known);
        return (near == null ? "; " : "; did you mean " + near + "? ") + type + " has "
                + (known.isEmpty() ? "no properties" : String.join(", ", known));
    }

    /** The one of {@code candidates} {@code name} comes nearest, if it is a near miss; null when none is. */
    static String nearest(String name, Iterable<String> candidates) {
        String folded = fold(name);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            if (fold(candidate).equals(folded)) {
                return candidate;
            }
            int d = ClosestName.distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int allowed = name.length() <= 4 ? 1 : name.length() <= 8 ? 2 : 3;
        return bestDistance <= allowed ? best : null;
    }

    private static String fold(String name) {
        return name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** The hint for a call of {@code method}, which no function bears: the function it comes nearest, if any; else empty. */
    String unknownFunctionHint(String method) {
        String near = nearest(method, functions);
        return near == null ? "" : "; did you mean " + near + "?";
    }
}
