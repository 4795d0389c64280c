package dev.countersign.rules.engine;

import dev.countersign.rules.engine.DrlTokens.Token;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names a rule file brings into scope, checked as {@link RuleSandbox} meets them: the types of
 * its own package, and its imports, each of which must name what rules may use (a visible class, a
 * type or function the bundle declares, or an allowed static member). What a simple name means
 * follows: imports, then {@code java.lang} and the vocabulary.
 */
final class RuleImports {
    private final List<Token> t;
    private final SandboxFindings findings;
    private final RuleDeclarations declarations;
    private final Map<String, String> scope = new HashMap<>();
    private final Set<String> unqualified = new HashSet<>();
    private final List<String> packages = new ArrayList<>();

    RuleImports(List<Token> tokens, SandboxFindings findings, RuleDeclarations declarations) {
        this.t = tokens;
        this.findings = findings;
        this.declarations = declarations;
    }

    /** The file's package: the types the bundle declares there are in scope. */
    void inPackage(String pkg) {
        packages.add(pkg);
        for (String declared : declarations.typesIn(pkg)) {
            scope.put(declared, pkg + "." + declared);
        }
    }

    /** The file's own package and the packages it imports on demand ({@code import a.b.*}). */
    List<String> packages() {
        return packages;
    }

    /**
     * Whether {@code simpleName} names no class at all here: in none of the file's package, the packages
     * it imports, java.lang and the vocabulary, nor as a name of its own. Drools cannot resolve such a
     * name through any class loader, so a pattern on it is safe to build, and the build's error names
     * the fact types.
     */
    boolean namesNoClass(String simpleName) {
        List<String> owners = new ArrayList<>(packages);
        owners.add("java.lang");
        owners.add(ActionContext.class.getPackageName());
        for (String owner : owners) {
            if (RuleDeclarations.isClass(owner + "." + simpleName)) {
                return false;
            }
        }
        return !simpleName.contains("$") && !RuleDeclarations.isClass(simpleName);
    }

    /** The binary name of the class a capitalised simple name means here, or null. */
    String type(String simpleName) {
        String type = scope.get(simpleName);
        return type != null ? type : RuleAllowList.implicitImport(simpleName);
    }

    /** Whether a static import brought {@code name} in, to be used unqualified. */
    boolean unqualified(String name) {
        return unqualified.contains(name);
    }

    /** Checks the import whose name starts at token {@code from}; answers the index after it. */
    int read(int from) {
        int i = from;
        String kind = i < t.size() && (t.get(i).is("static") || t.get(i).is("function") || t.get(i).is("accumulate"))
                ? t.get(i++).text() : "";
        int start = i;
        i = DrlTokens.qualifiedName(t, start, true);
        if (i == start) {
            return i;
        }
        String imported = DrlTokens.text(t, start, i);
        int at = t.get(start).start();
        if (kind.equals("accumulate")) {
            findings.error(t.get(from).start(), "import accumulate is not available to rules: use the built-in accumulate"
                    + " functions (count, sum, min, max, average, collectList, collectSet)");
            return i < t.size() && t.get(i).isIdentifier() ? i + 1 : i;
        }
        if (imported.endsWith(".*")) {
            onDemand(imported, kind.equals("static"), at);
            return i;
        }
        if (!kind.isEmpty()) {
            member(imported, kind.equals("function"), at, t.get(i - 1).start());
        } else if (visibleClass(imported) != null) {
            scope.put(imported.substring(imported.lastIndexOf('.') + 1), visibleClass(imported));
        } else if (declarations.declaresType(imported)) {
            scope.put(imported.substring(imported.lastIndexOf('.') + 1), imported);
        } else {
            findings.error(at, imported + " is not available to rules: " + RuleSandbox.HINT);
        }
        return i;
    }

    /** {@code import a.b.*} and {@code import static a.b.C.*}: only what rules may use comes into scope. */
    private void onDemand(String imported, boolean isStatic, int at) {
        String owner = imported.substring(0, imported.length() - 2);
        packages.add(owner);
        Map<String, String> classes = RuleAllowList.visibleIn(owner);
        classes.forEach(scope::put);
        declarations.typesIn(owner).forEach(d -> scope.put(d, owner + "." + d));
        String staticOwner = isStatic ? visibleClass(owner) : null;
        if (staticOwner != null) {
            unqualified.addAll(RuleAllowList.staticMembers(staticOwner));
        }
        if (classes.isEmpty() && declarations.typesIn(owner).isEmpty() && staticOwner == null) {
            findings.error(at, imported + " is not available to rules: " + RuleSandbox.HINT);
        }
    }

    /** {@code import static C.m} and {@code import function C.m}: a visible class's allowed member, or a bundle function. */
    private void member(String imported, boolean function, int at, int memberAt) {
        int dot = imported.lastIndexOf('.');
        String owner = dot < 0 ? "" : imported.substring(0, dot);
        String member = imported.substring(dot + 1);
        if (function && declarations.declaresFunction(imported)) {
            unqualified.add(member);
        } else if (visibleClass(owner) == null) {
            findings.error(at, (owner.isEmpty() ? imported : owner) + " is not available to rules: " + RuleSandbox.HINT);
        } else if (!RuleAllowList.isMember(member)) {
            findings.error(memberAt, owner + "." + member + " is not available to rules: " + RuleSandbox.HINT);
        } else {
            unqualified.add(member);
        }
    }

    /** The binary name of the visible class {@code dotted} names (nested classes too), or null. */
    static String visibleClass(String dotted) {
        String[] parts = dotted.split("\\.");
        for (int k = parts.length; k > 0; k--) {
            String outer = String.join(".", Arrays.copyOfRange(parts, 0, k));
            if (RuleDeclarations.isClass(outer)) {
                StringBuilder name = new StringBuilder(outer);
                for (int m = k; m < parts.length; m++) {
                    name.append('$').append(parts[m]);
                }
                return RuleAllowList.isVisible(name.toString()) ? name.toString() : null;
            }
        }
        return null;
    }
}
