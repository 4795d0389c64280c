package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.engine.DrlTokens.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The static check that rule code ends, made beside {@link RuleSandbox}: what could run without end
 * is refused at its {@code file:line:column}. In consequences and DRL functions, that is
 * {@code while}, {@code do ... while} and the classic {@code for (init; condition; step)} loop; a
 * for-each loop ({@code for (String r : roles)}) stays, since it ends with its collection (and its
 * steps count against the evaluation's budget: {@link RuleLoops}). Across the bundle, it is
 * recursion: a DRL function that calls itself, directly or through other functions, and a query that
 * calls itself, directly or through other queries (the engine can follow a query's calls without
 * end). Calls are read from the text: a bare name that a function (or query) of the file's package,
 * or a function the file imports, bears.
 */
final class TerminationCheck {
    private static final String INSTEAD = "a rule must end, and only a loop over a collection surely does; write a for-each"
            + " loop over the values (for (Object x : list) { ... })";

    private TerminationCheck() {
    }

    /** Adds to {@code errors} every loop and recursion in {@code files} that need not end; answers whether there was any. */
    static boolean check(List<SourceFile> files, List<PolicyError> errors) {
        int before = errors.size();
        CallGraph functions = new CallGraph("function", "recursion is not available in rules, since it need not end;"
                + " write a for-each loop over the values instead");
        CallGraph queries = new CallGraph("query", "recursive queries are not available in rules: the engine can follow"
                + " a query's calls without end, out of the evaluation budget's reach; put the closure in the data documents,"
                + " or write one query per level");
        List<FileReading> readings = new ArrayList<>();
        for (SourceFile file : files) {
            FileReading reading = new FileReading(file, errors);
            reading.read();
            reading.declare(functions, queries);
            readings.add(reading);
        }
        for (FileReading reading : readings) {
            reading.calls(functions, queries);
        }
        functions.reportCycles();
        queries.reportCycles();
        return errors.size() > before;
    }

    /** A function's or a query's body: its qualified name and the tokens from {@code from} (inclusive) to {@code to}. */
    private record Body(String name, int from, int to) {
    }

    /** One pass over one file: its loops are checked, its functions, queries and imports of functions noted. */
    private static final class FileReading {
        private final List<Token> t;
        private final SandboxFindings findings;
        private final List<Body> functions = new ArrayList<>();
        private final List<Body> queries = new ArrayList<>();
        private final Map<String, String> importedFunctions = new HashMap<>();
        private String pkg = "";

        FileReading(SourceFile file, List<PolicyError> errors) {
            this.t = DrlTokens.lex(file.text()).tokens();
            this.findings = new SandboxFindings(file, errors);
        }

        void read() {
            int i = 0;
            while (i < t.size()) {
                Token k = t.get(i);
                if (k.is("package")) {
                    int end = DrlTokens.qualifiedName(t, i + 1, false);
                    pkg = DrlTokens.text(t, i + 1, end);
                    i = end;
                } else if (k.is("import") && i + 1 < t.size() && t.get(i + 1).is("function")) {
                    int end = DrlTokens.qualifiedName(t, i + 2, false);
                    String imported = DrlTokens.text(t, i + 2, end);
                    importedFunctions.put(imported.substring(imported.lastIndexOf('.') + 1), imported);
                    i = end;
                } else if (k.is("rule")) {
                    i = rule(i + 1);
                } else if (k.is("query")) {
                    i = query(i + 1);
                } else if (k.is("function")) {
                    i = function(i + 1);
                } else if (k.is("declare")) {
                    while (i < t.size() && !t.get(i).is("end")) {
                        i++;
                    }
                } else {
                    i++;
                }
            }
        }

        /** A rule from its name on: its consequences (after {@code then}, named ones too) are code whose loops are checked. */
        private int rule(int from) {
            int depth = 0;
            int i = from;
            while (i < t.size()) {
                Token k = t.get(i);
                depth += k.is("(") || k.is("[") ? 1 : k.is(")") || k.is("]") ? -1 : 0;
                if (k.is("then") && depth == 0) {
                    int end = i + 1;
                    while (end < t.size() && !t.get(end).is("end")) {
                        end++;
                    }
                    loops(i + 1, end);
                    return end + 1;
                }
                if (k.is("end") && depth == 0) {
                    return i + 1;
                }
                i++;
            }
            return i;
        }

        /** {@code query name (params) body end}: the body is noted for the call graph. */
        private int query(int from) {
            if (from >= t.size()) {
                return from;
            }
            String name = t.get(from).isIdentifier() ? t.get(from).text() : t.get(from).content();
            int i = from + 1;
            if (i < t.size() && t.get(i).is("(")) {
                i = closing(i, "(", ")") + 1;
            }
            int start = i;
            int depth = 0;
            while (i < t.size() && !(t.get(i).is("end") && depth == 0)) {
                depth += t.get(i).is("(") || t.get(i).is("[") ? 1 : t.get(i).is(")") || t.get(i).is("]") ? -1 : 0;
                i++;
            }
            queries.add(new Body(qualified(name), start, i));
            return i + 1;
        }

        /** {@code function Type name(params) { body }}: the body's loops are checked and the body noted for the call graph. */
        private int function(int from) {
            int i = from;
            while (i + 1 < t.size() && !(t.get(i).isIdentifier() && t.get(i + 1).is("("))) {
                i++;
            }
            if (i + 1 >= t.size()) {
                return t.size();
            }
            String name = t.get(i).text();
            int open = closing(i + 1, "(", ")") + 1;
            if (open >= t.size() || !t.get(open).is("{")) {
                return open;
            }
            int close = closing(open, "{", "}");
            loops(open + 1, close);
            functions.add(new Body(qualified(name), open + 1, close));
            return close + 1;
        }

        /** Refuses the loops that need not end among tokens {@code from} to {@code to}. */
        private void loops(int from, int to) {
            for (int i = from; i < to; i++) {
                Token k = t.get(i);
                if (k.is("while") && !endsDoLoop(i, from)) {
                    findings.error(k.start(), "'while' loops are not available in rules: " + INSTEAD);
                } else if (k.is("do")) {
                    findings.error(k.start(), "'do ... while' loops are not available in rules: " + INSTEAD);
                } else if (k.is("for") && i + 1 < to && t.get(i + 1).is("(") && !forEach(i + 1)) {
                    findings.error(k.start(), "'for (init; condition; step)' loops are not available in rules: " + INSTEAD);
                }
            }
        }

        /** Whether the {@code while} at {@code i} closes a {@code do ... while} loop, which is reported at its {@code do}. */
        private boolean endsDoLoop(int i, int from) {
            if (i == from || !t.get(i - 1).is("}")) {
                return false;
            }
            int level = 0;
            for (int j = i - 1; j >= from; j--) {
                level += t.get(j).is("}") ? 1 : t.get(j).is("{") ? -1 : 0;
                if (level == 0) {
                    return j > from && t.get(j - 1).is("do");
                }
            }
            return false;
        }

        /** Whether the header opening at {@code open} is a for-each's: a {@code :} and no {@code ;} at its own level. */
        private boolean forEach(int open) {
            int close = closing(open, "(", ")");
            int depth = 0;
            boolean colon = false;
            for (int j = open + 1; j < close; j++) {
                Token k = t.get(j);
                depth += k.is("(") || k.is("[") || k.is("{") ? 1 : k.is(")") || k.is("]") || k.is("}") ? -1 : 0;
                if (depth == 0 && k.is(";")) {
                    return false;
                }
                colon |= depth == 0 && k.is(":");
            }
            return colon;
        }

        void declare(CallGraph functionGraph, CallGraph queryGraph) {
            functions.forEach(f -> functionGraph.declare(f.name()));
            queries.forEach(q -> queryGraph.declare(q.name()));
        }

        /** Adds the calls the file's functions and queries make to the graphs. */
        void calls(CallGraph functionGraph, CallGraph queryGraph) {
            for (Body f : functions) {
                for (int i = f.from(); i + 1 < f.to(); i++) {
                    if (bareCall(i)) {
                        String name = t.get(i).text();
                        String callee = importedFunctions.getOrDefault(name, qualified(name));
                        functionGraph.call(f.name(), callee, findings, t.get(i).start());
                    }
                }
            }
            for (Body q : queries) {
                for (int i = q.from(); i + 1 < q.to(); i++) {
                    if (bareCall(i)) {
                        queryGraph.call(q.name(), queryGraph.resolve(qualified(t.get(i).text())), findings, t.get(i).start());
                    }
                }
            }
        }

        /** Whether the token at {@code i} is a name called without a receiver: {@code name(}, not {@code x.name(} or {@code new Name(}. */
        private boolean bareCall(int i) {
            Token k = t.get(i);
            if (!k.isIdentifier() || !t.get(i + 1).is("(")) {
                return false;
            }
            Token previous = i > 0 ? t.get(i - 1) : null;
            return previous == null || !(previous.is(".") || previous.is("new"));
        }

        private String qualified(String name) {
            return pkg.isEmpty() ? name : pkg + "." + name;
        }

        /** The index of the bracket closing the one at {@code open}, or the last token's when none does. */
        private int closing(int open, String opening, String closing) {
            int level = 0;
            for (int j = open; j < t.size(); j++) {
                level += t.get(j).is(opening) ? 1 : t.get(j).is(closing) ? -1 : 0;
                if (level == 0) {
                    return j;
                }
            }
            return t.size() - 1;
        }
    }
}
