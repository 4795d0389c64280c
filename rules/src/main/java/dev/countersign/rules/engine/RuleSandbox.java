package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.engine.DrlTokens.Kind;
import dev.countersign.rules.engine.DrlTokens.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The static half of the rule sandbox: every name a rule file uses, in conditions, consequences,
 * {@code eval}s, {@code from} and accumulate expressions, DRL functions, declared types, globals,
 * queries, imports and attributes, must be one rules may use ({@link RuleAllowList}, or declared by
 * the bundle itself); anything else is an error at its {@code file:line:column}, all reported
 * together.
 *
 * <p>The check works on tokens, not on a parse, and needs no types: a name that starts a dotted
 * chain is resolved as a class wherever any prefix of the chain is one ({@code java.io.File},
 * {@code java.lang.System}), a capitalised simple name must be a class rules may use (MVEL resolves
 * System, Runtime, Thread, Class, ClassLoader... itself, so it is never left to a class loader),
 * and a name after a dot must be a member of some class rules may use. Reflection, clocks,
 * randomness, the JVM's settings and the engine's own objects ({@code drools}, {@code kcontext})
 * are refused by name, whatever the receiver. Syntax whose effect cannot be checked this way is
 * refused: unicode escapes and invisible characters (see {@link DrlTokens}), {@code dialect "mvel"}
 * (MVEL consequences are interpreted, outside the sandbox class loader), MVEL's {@code with},
 * {@code def}, inline {@code import} and templates, grouped accessors ({@code name.( ... )}, which the
 * DRL parser rewrites as text), lambdas, method references, anonymous classes,
 * explicit type arguments, inline accumulate code, sliding windows, and rule packages named after
 * the JDK's or the engine's. A file with any of this is not built.
 *
 * <p>This check is the one that must be sound for conditions: MVEL evaluates them by reflection,
 * beyond the reach of {@link SandboxClassLoader}.
 */
final class RuleSandbox {
    static final String HINT = "rules may use the facts, data, the verdict calls and pure value types"
            + " (see \"The rule sandbox\" in the README)";

    private static final Set<String> JAVA_REFUSED = Set.of("class", "interface", "enum", "synchronized", "native",
            "transient", "volatile", "strictfp", "super", "goto", "const", "assert");
    private static final Set<String> MVEL_REFUSED = Set.of("def", "function", "proto", "stacklang", "with", "import",
            "import_static", "package");
    private static final Set<String> ANNOTATIONS = Set.of("key", "position", "watch", "propertyReactive", "classReactive");
    private static final List<String> RESERVED_PACKAGES = List.of("java", "javax", "jdk", "sun", "com.sun", "org.drools",
            "org.kie", "org.mvel2", "org.eclipse", "dev.countersign");

    private final RuleDeclarations declarations;

    private RuleSandbox(RuleDeclarations declarations) {
        this.declarations = declarations;
    }

    /** A sandbox for a bundle whose rule files are {@code files} (what they declare is theirs to use). */
    static RuleSandbox of(List<SourceFile> files) {
        return new RuleSandbox(RuleDeclarations.of(files));
    }

    /** Adds to {@code errors} what in {@code file} rules may not use; answers whether there was any. */
    boolean check(SourceFile file, List<PolicyError> errors) {
        return check(file, errors, new ArrayList<>());
    }

    /**
     * As {@link #check(SourceFile, List)}, adding to {@code unknownTypes} each pattern on a name that is
     * no class at all, as an error whose message is the name: not refused, since the build reports it,
     * but for the author to be told of when the file is refused and so not built.
     */
    boolean check(SourceFile file, List<PolicyError> errors, List<PolicyError> unknownTypes) {
        int before = errors.size();
        FileCheck check = new FileCheck(file, errors);
        check.run();
        check.unknownTypes.forEach(i -> unknownTypes.add(check.findings.at(check.t.get(i).start(), check.t.get(i).text())));
        return errors.size() > before;
    }

    /** One pass over one file. */
    private final class FileCheck {
        private final List<Token> t;
        private final SandboxFindings findings;
        private final RuleImports imports;
        private int depth;
        private boolean inRule;
        private boolean then;
        private final List<Integer> unknownTypes = new ArrayList<>();
        private int poisonDepth = -1;
        private int accumulateDepth = -1;

        FileCheck(SourceFile file, List<PolicyError> errors) {
            DrlTokens.Lexed lexed = DrlTokens.lex(file.text());
            this.t = lexed.tokens();
            this.findings = new SandboxFindings(file, errors);
            this.imports = new RuleImports(t, findings, declarations);
            lexed.problems().forEach(p -> findings.error(p.offset(), p.message()));
        }

        void run() {
            findings.purity();
            inRule = false;
            then = false;
            int braces = 0;
            boolean inFunction = false;
            boolean opened = false;
            int i = 0;
            while (i < t.size()) {
                Token k = t.get(i);
                boolean top = !inRule && !inFunction;
                if (top && k.is("package")) {
                    i = packageDeclaration(i + 1);
                    continue;
                }
                if (top && k.is("import")) {
                    i = imports.read(i + 1);
                    continue;
                }
                if (top && k.is("declare")) {
                    i = declaration(i + 1);
                    continue;
                }
                if (top && (k.is("rule") || k.is("query"))) {
                    inRule = true;
                    then = false;
                    i = ruleName(i + 1);
                    continue;
                }
                if (top && k.is("function")) {
                    inFunction = true;
                    opened = false;
                    braces = 0;
                    i++;
                    continue;
                }
                if (inRule && k.is("then") && depth == 0) {
                    then = true;
                } else if (inRule && k.is("end") && (then || depth == 0)) {
                    inRule = false;
                    i++;
                    continue;
                }
                if (inFunction && k.is("{")) {
                    braces++;
                    opened = true;
                } else if (inFunction && k.is("}") && --braces == 0 && opened) {
                    inFunction = false;
                }
                i = token(i);
            }
        }

        /** Checks the token at {@code i}; answers the index of the next token to check. */
        private int token(int i) {
            Token k = t.get(i);
            if (poisonDepth >= 0 && (depth < poisonDepth || (depth == poisonDepth && !continuesExpression(i)))) {
                poisonDepth = -1;
            }
            if (k.is("(") || k.is("[")) {
                depth++;
            } else if (k.is(")") || k.is("]")) {
                depth = Math.max(0, depth - 1);
            }
            if (accumulateDepth >= 0 && depth < accumulateDepth) {
                accumulateDepth = -1;
            }
            if (k.kind() == Kind.PUNCTUATION) {
                punctuation(i);
                return i + 1;
            }
            if (!k.isIdentifier()) {
                return i + 1;
            }
            if (afterDot(i)) {
                if (!t.get(i - 1).is(":")) {
                    member(i);
                }
                return i + 1;
            }
            return name(i);
        }

        private void punctuation(int i) {
            Token k = t.get(i);
            Token next = i + 1 < t.size() ? t.get(i + 1) : null;
            if (next == null) {
                return;
            }
            boolean adjacent = next.start() == k.end();
            if (k.is(".") && next.is("{")) {
                refuse(i, "MVEL's inline with-block ('.{ ... }') changes values; a consequence may only say allow, deny or requireApproval");
            } else if (k.is(".") && next.is("(")) {
                refuse(i, "grouped accessors ('.( ... )') are not available in rules: the rule parser rewrites them by splitting"
                        + " the text at && and || without regard to strings; write the path in each condition");
            } else if (k.is(".") && next.is("<")) {
                refuse(i, "explicit type arguments ('.<T>') are not available in rules: leave them out");
            } else if (k.is("-") && next.is(">") && adjacent) {
                refuse(i, "lambdas are not available in rules: write a loop, or a DRL function");
            } else if (k.is(":") && next.is(":") && adjacent && !(i > 0 && t.get(i - 1).is(":"))) {
                refuse(i, "method references are not available in rules: write a loop, or a DRL function");
            } else if (k.is("@") && next.is("{")) {
                refuse(i, "MVEL's @{...} templates are not available in rules");
            } else if (k.is("@") && next.isIdentifier() && !ANNOTATIONS.contains(next.text())) {
                boolean temporal = Set.of("role", "timestamp", "duration", "expires").contains(next.text());
                refuse(i, "the annotation @" + next.text() + " is not available to rules: " + (temporal
                        ? "events and their expiry depend on the engine's clock; a decision sees only its facts"
                        : "rules may use @key, @position and @watch, and @control(\"...\") after a rule's name"
                                + (RuleControls.isSlip(next.text()) ? "; did you mean @control?" : "")));
            } else if (k.is("[") && (next.is("]") || newArray(i))) {
                refuse(i, "arrays are not available to rules: an array's text is its identity, which differs on every run;"
                        + " use a list (List.of(...))");
            } else if (k.is("{") && anonymousClass(i)) {
                refuse(i, "anonymous classes are not available in rules: write a DRL function, or declare a type");
            }
        }

        /** A name not after a dot: a keyword, a variable, or the start of a type or a qualified name. */
        private int name(int i) {
            Token k = t.get(i);
            String name = k.text();
            Token previous = i > 0 ? t.get(i - 1) : null;
            if (previous != null && previous.is("@")) {
                return i + 1;
            }
            if (name.contains("__")) {
                refuse(i, name + " is reserved for the engine: choose another name");
                return i + 1;
            }
            if (name.equals("Object") && previous != null && previous.is("new")) {
                refuse(i, "new Object() has an identity that differs on every run (in its hash code and its text): rules must be"
                        + " pure, so a decision depends only on its input, the data documents and the revision");
                return i + 1;
            }
            if (name.codePoints().anyMatch(Character::isIdentifierIgnorable)) {
                poisonDepth = depth; // reported as unreadable, with what follows it
                return chainEnd(i);
            }
            String refused = RuleAllowList.REFUSED.get(name);
            if (refused != null) {
                refuse(i, name + " " + refused);
                return i + 1;
            }
            if (RuleAllowList.IMPURE.contains(name)) {
                refuse(i, name + "()" + SandboxFindings.PURITY);
                return i + 1;
            }
            if (JAVA_REFUSED.contains(name)) {
                refuse(i, "'" + name + "' is not available in rules: " + HINT);
                return i + 1;
            }
            if (MVEL_REFUSED.contains(name)) {
                refuse(i, name.equals("import") || name.equals("package") || name.equals("import_static")
                        ? name + " is only allowed at the top of a rule file"
                        : "MVEL's '" + name + "' is not available to rules: declare a DRL function or a type instead");
                return i + 1;
            }
            if (name.equals("dialect") && !(i + 1 < t.size() && t.get(i + 1).kind() == Kind.STRING
                    && t.get(i + 1).content().equals("java"))) {
                String dialect = i + 1 < t.size() ? t.get(i + 1).text() : "";
                refuse(i, "dialect " + dialect + " is not available: rules are compiled as Java and run in the rule sandbox;"
                        + " remove the dialect attribute (see \"The rule sandbox\" in the README)");
                return i + 2;
            }
            boolean call = i + 1 < t.size() && t.get(i + 1).is("(");
            if ((name.equals("accumulate") || name.equals("acc")) && call) {
                accumulateDepth = depth + 1;
            } else if (call && depth == accumulateDepth && Set.of("init", "action", "reverse", "result").contains(name)) {
                refuse(i, "inline accumulate code (" + name + ") is not available to rules: use an accumulate function"
                        + " such as count, sum, min, max, average, collectList or collectSet");
                accumulateDepth = -1; // once per accumulate
                return i + 1;
            }
            if (name.equals("over") && i + 1 < t.size() && t.get(i + 1).is("window")) {
                refuse(i, "sliding windows read the engine's clock; rules must be pure: compare with the caller's Context( time ) instead");
                return i + 2;
            }
            if (name.startsWith("$") || Character.isLowerCase(name.charAt(0)) || name.charAt(0) == '_') {
                return lowercaseChain(i);
            }
            boolean caseLabel = previous != null && previous.is("case");
            if (imports.unqualified(name) || caseLabel && (declarations.declaresMember(name) || RuleAllowList.isMember(name))) {
                return i + 1;
            }
            String type = imports.type(name);
            if (type == null && unknownFactType(i)) {
                unknownTypes.add(i);
                return chainEnd(i); // no class at all: the build reports it, with the fact types (Vocabulary)
            }
            if (type == null) {
                boolean binding = i + 1 < t.size() && t.get(i + 1).is(":") && !(i + 2 < t.size() && t.get(i + 2).is(":"));
                refuse(i, binding ? "bindings and variables must start with a lowercase letter or $, not " + name
                        : name + " is not available to rules: " + HINT);
                return chainEnd(i);
            }
            return nested(i, type);
        }

        /** Whether the name at {@code i} is a pattern's type in a rule's conditions that names no class at all ({@link RuleImports#namesNoClass}). */
        private boolean unknownFactType(int i) {
            return inRule && !then && i + 1 < t.size() && t.get(i + 1).is("(") && !(i > 0 && t.get(i - 1).is("new"))
                    && imports.namesNoClass(t.get(i).text());
        }

        /** A chain that starts lowercase ({@code java.io.File}, {@code data.list}, {@code $a.id}): a class if a prefix is one. */
        private int lowercaseChain(int i) {
            if (t.get(i).text().startsWith("$")) {
                return i + 1;
            }
            StringBuilder prefix = new StringBuilder(t.get(i).text());
            for (int j = i; j + 2 < t.size() && t.get(j + 1).is(".") && t.get(j + 2).isIdentifier(); j += 2) {
                prefix.append('.').append(t.get(j + 2).text());
                String name = prefix.toString();
                if (declarations.declaresType(name)) {
                    return j + 3;
                }
                if (RuleDeclarations.isClass(name)) {
                    if (!RuleAllowList.isVisible(name)) {
                        refuseSpan(i, j + 2, name + " is not available to rules: " + HINT);
                        return j + 3;
                    }
                    return nested(j + 2, name);
                }
            }
            return i + 1;
        }

        /** After the class {@code type} named by the token at {@code i}: its nested classes, then members. */
        private int nested(int i, String type) {
            int j = i;
            String current = type;
            while (j + 2 < t.size() && t.get(j + 1).is(".") && t.get(j + 2).isIdentifier()
                    && Character.isUpperCase(t.get(j + 2).text().charAt(0))
                    && RuleDeclarations.isClass(current + "$" + t.get(j + 2).text())) {
                current = current + "$" + t.get(j + 2).text();
                if (!RuleAllowList.isVisible(current)) {
                    refuseSpan(i, j + 2, current.replace('$', '.') + " is not available to rules: " + HINT);
                    return j + 3;
                }
                j += 2;
            }
            return j + 1;
        }

        private void member(int i) {
            String name = t.get(i).text();
            String refused = RuleAllowList.REFUSED.get(name);
            if (name.equals("class") || name.equals("getClass")) {
                refuse(i, "." + name + " is reflection, which is not available to rules: " + HINT);
            } else if (refused != null) {
                refuse(i, name + " " + refused);
            } else if (RuleAllowList.IMPURE.contains(name)) {
                refuse(i, name + SandboxFindings.PURITY);
            } else if (RuleAllowList.isMember(name) || declarations.declaresMember(name)) {
                return;
            } else if (RuleAllowList.yieldsHiddenType(name)) {
                refuse(i, name + " yields a value of a type rules may not use: " + HINT);
            } else {
                refuse(i, "'" + name + "' is not a property or method of any value rules may use; for an attribute write"
                        + " attributes[\"" + name + "\"] (see \"The rule sandbox\" in the README)");
            }
        }

        private int packageDeclaration(int from) {
            int i = DrlTokens.qualifiedName(t, from, false);
            String pkg = DrlTokens.text(t, from, i);
            for (String reserved : RESERVED_PACKAGES) {
                if (pkg.equals(reserved) || pkg.startsWith(reserved + ".")) {
                    findings.error(t.get(from).start(), "package " + pkg + " is reserved; name rule packages after your"
                            + " policies, such as 'package policies.export'");
                }
            }
            imports.inPackage(pkg);
            return i;
        }

        /** {@code declare [enum] Name [extends ...] fields... end}: names are checked, types and values as code. */
        private int declaration(int from) {
            int i = from;
            if (i < t.size() && (t.get(i).is("trait") || t.get(i).is("window") || t.get(i).is("entry"))) {
                refuse(i, "declare " + t.get(i).text() + " is not available to rules: declare plain types or enums");
            }
            boolean isEnum = i < t.size() && t.get(i).is("enum");
            if (isEnum) {
                i++;
            }
            if (i < t.size() && t.get(i).isIdentifier()) {
                declaredName(i, "type");
                i++;
            }
            boolean constants = isEnum;
            int level = 0;
            while (i < t.size() && !t.get(i).is("end")) {
                Token k = t.get(i);
                level += k.is("(") ? 1 : k.is(")") ? -1 : 0;
                if (constants && level == 0 && k.is(";")) {
                    constants = false;
                } else if (k.isIdentifier() && level == 0 && !t.get(i - 1).is("@") && !t.get(i - 1).is(".")
                        && (constants || (i + 1 < t.size() && t.get(i + 1).is(":")))) {
                    declaredName(i, constants ? "constant" : "field");
                    i++;
                    continue;
                }
                i = token(i);
            }
            return i + 1;
        }

        private void declaredName(int i, String what) {
            String name = t.get(i).text();
            boolean taken = RuleAllowList.REFUSED.containsKey(name) || RuleAllowList.IMPURE.contains(name)
                    || RuleAllowList.MVEL_LITERALS.contains(name) || JAVA_REFUSED.contains(name) || MVEL_REFUSED.contains(name)
                    || name.contains("__") || (what.equals("type") && (RuleAllowList.implicitImport(name) != null
                    || RuleDeclarations.isClass("java.lang." + name)));
            if (taken) {
                refuse(i, "a declared " + what + " may not be named " + name + ": the name is the platform's; choose another");
            }
        }

        private int ruleName(int from) {
            int i = from;
            if (i < t.size() && (t.get(i).kind() == Kind.STRING || t.get(i).isIdentifier())) {
                i++;
            }
            if (i + 1 < t.size() && t.get(i).is("extends")) {
                i += 2;
            }
            while (i + 2 < t.size() && t.get(i).is("@") && t.get(i + 1).is(RuleControls.ANNOTATION) && t.get(i + 2).is("(")) {
                i = RuleControls.pastIds(t, i + 3, (message, at) -> refuse(at, message));
            }
            return i;
        }

        private boolean afterDot(int i) {
            if (i == 0) {
                return false;
            }
            Token p = t.get(i - 1);
            return p.is(".") || (p.is("?") && i > 1 && t.get(i - 2).is(".")) || (p.is(":") && i > 1 && t.get(i - 2).is(":"));
        }

        private boolean continuesExpression(int i) {
            Token k = t.get(i);
            return k.is(".") || k.is("(") || k.is(")") || k.is("[") || k.is("]") || k.is("?") || (k.isIdentifier() && afterDot(i));
        }

        /** Whether the bracket at {@code i} follows {@code new Name}: {@code new int[3]}, {@code new java.lang.String[]{...}}. */
        private boolean newArray(int i) {
            int k = i - 1;
            while (k >= 0 && (t.get(k).isIdentifier() || t.get(k).is(".")) && !t.get(k).is("new")) {
                k--;
            }
            return k >= 0 && k < i - 1 && t.get(k).is("new");
        }

        /** Whether the brace at {@code i} opens the body of an anonymous class: {@code new Name(...) {}. */
        private boolean anonymousClass(int i) {
            if (i == 0 || !t.get(i - 1).is(")")) {
                return false;
            }
            int level = 0;
            for (int j = i - 1; j >= 0; j--) {
                level += t.get(j).is(")") ? 1 : t.get(j).is("(") ? -1 : 0;
                if (level == 0) {
                    int k = j - 1;
                    while (k >= 0 && (t.get(k).isIdentifier() || t.get(k).is(".") || t.get(k).is("<") || t.get(k).is(">")
                            || t.get(k).is(",")) && !t.get(k).is("new")) {
                        k--;
                    }
                    return k >= 0 && t.get(k).is("new") && k < j - 1;
                }
            }
            return false;
        }

        private int chainEnd(int i) {
            int j = i;
            while (j + 2 < t.size() && t.get(j + 1).is(".") && t.get(j + 2).isIdentifier()) {
                j += 2;
            }
            return j + 1;
        }

        private void refuse(int i, String message) {
            refuseSpan(i, i, message);
        }

        /** Reports the tokens from {@code first} to {@code last}, unless the purity check has, or the expression already failed. */
        private void refuseSpan(int first, int last, String message) {
            int start = t.get(first).start();
            if (findings.impure(start, t.get(last).end())) {
                poisonDepth = depth;
                return;
            }
            if (poisonDepth >= 0 && depth == poisonDepth && afterDot(first)) {
                return;
            }
            poisonDepth = depth;
            findings.error(start, message);
        }
    }
}
