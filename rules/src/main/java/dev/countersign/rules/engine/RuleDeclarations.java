package dev.countersign.rules.engine;

import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.engine.DrlTokens.Token;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names a bundle defines for itself, which its rules may use beside {@link RuleAllowList}:
 * types from {@code declare} (with their fields and enum constants) and DRL functions, by package.
 * Also answers whether a dotted name is a class at all, so that {@code java.io.File} is recognised
 * however it is written.
 */
final class RuleDeclarations {
    /** Class-name lookups, shared: a name is a class or not for the life of the JVM. Bounded. */
    private static final Map<String, Boolean> CLASSES = new ConcurrentHashMap<>();

    private final Map<String, Set<String>> typesByPackage = new HashMap<>();
    private final Set<String> types = new HashSet<>();
    private final Set<String> members = new HashSet<>();
    private final Set<String> functions = new HashSet<>();

    private RuleDeclarations() {
    }

    /** Collects what the files declare at their top level. */
    static RuleDeclarations of(List<SourceFile> files) {
        RuleDeclarations d = new RuleDeclarations();
        for (SourceFile file : files) {
            d.collect(DrlTokens.lex(file.text()).tokens());
        }
        return d;
    }

    private void collect(List<Token> t) {
        String pkg = "";
        boolean inRule = false;
        boolean then = false;
        int depth = 0;
        for (int i = 0; i < t.size(); i++) {
            Token k = t.get(i);
            depth += k.is("(") || k.is("[") ? 1 : k.is(")") || k.is("]") ? -1 : 0;
            if (inRule) {
                then |= k.is("then") && depth == 0;
                inRule = !(k.is("end") && (then || depth == 0));
            } else if (k.is("package")) {
                StringBuilder name = new StringBuilder();
                for (int j = i + 1; j < t.size() && t.get(j).isIdentifier(); j += 2) {
                    name.append(name.length() == 0 ? "" : ".").append(t.get(j).text());
                    if (j + 1 >= t.size() || !t.get(j + 1).is(".")) {
                        break;
                    }
                }
                pkg = name.toString();
            } else if (k.is("rule") || k.is("query")) {
                inRule = true;
                then = false;
            } else if (k.is("function")) {
                for (int j = i + 1; j + 1 < t.size(); j++) {
                    if (t.get(j).isIdentifier() && t.get(j + 1).is("(")) {
                        functions.add(qualified(pkg, t.get(j).text()));
                        break;
                    }
                }
            } else if (k.is("declare")) {
                i = declaration(t, i + 1, pkg);
            }
        }
    }

    private int declaration(List<Token> t, int from, String pkg) {
        int i = from;
        boolean isEnum = false;
        if (i < t.size() && t.get(i).is("enum")) {
            isEnum = true;
            i++;
        }
        if (i >= t.size() || !t.get(i).isIdentifier()) {
            return i;
        }
        String name = t.get(i).text();
        types.add(qualified(pkg, name));
        typesByPackage.computeIfAbsent(pkg, p -> new HashSet<>()).add(name);
        boolean constants = isEnum;
        int depth = 0;
        for (i = i + 1; i < t.size() && !t.get(i).is("end"); i++) {
            Token k = t.get(i);
            depth += k.is("(") ? 1 : k.is(")") ? -1 : 0;
            if (constants && depth == 0 && k.is(";")) {
                constants = false;
            } else if (constants && depth == 0 && k.isIdentifier() && !t.get(i - 1).is("@")) {
                members.add(k.text());
            } else if (k.isIdentifier() && depth == 0 && i + 1 < t.size() && t.get(i + 1).is(":")
                    && !(i + 2 < t.size() && t.get(i + 2).is(":"))) {
                String field = k.text();
                members.add(field);
                String cap = Character.toUpperCase(field.charAt(0)) + field.substring(1);
                members.addAll(List.of("get" + cap, "set" + cap, "is" + cap));
            }
        }
        return i;
    }

    private static String qualified(String pkg, String name) {
        return pkg.isEmpty() ? name : pkg + "." + name;
    }

    /** Whether a bundle file declares the type of this qualified name. */
    boolean declaresType(String qualifiedName) {
        return types.contains(qualifiedName);
    }

    /** The types declared in package {@code pkg}, by simple name. */
    Set<String> typesIn(String pkg) {
        return typesByPackage.getOrDefault(pkg, Set.of());
    }

    /** Whether a declared type has a field, accessor or enum constant of this name. */
    boolean declaresMember(String name) {
        return members.contains(name);
    }

    /** Whether a bundle file declares the DRL function of this qualified name. */
    boolean declaresFunction(String qualifiedName) {
        return functions.contains(qualifiedName);
    }

    /** Whether {@code binaryName} names a class the JVM can load (never initialised). */
    static boolean isClass(String binaryName) {
        Boolean known = CLASSES.get(binaryName);
        if (known != null) {
            return known;
        }
        boolean found;
        try {
            Class.forName(binaryName, false, RuleDeclarations.class.getClassLoader());
            found = true;
        } catch (ClassNotFoundException | LinkageError e) {
            found = false;
        }
        if (CLASSES.size() < 100_000) {
            CLASSES.put(binaryName, found);
        }
        return found;
    }
}
