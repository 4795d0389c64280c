package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.ControlCatalogue;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.engine.DrlTokens.Kind;
import dev.countersign.rules.engine.DrlTokens.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.RuleDescr;

/**
 * The controls each rule of a file names: the metadata {@code @control("SOC2:CC6.1", "NIST-800-53:AC-3")}
 * after the rule's name (several {@code @control} annotations add up), read from the text, since
 * Drools keeps only the first annotation of a name and no place for the second. Each id is a quoted
 * string ({@link ControlCatalogue#problemWith}); when the bundle has a catalogue, an id not in it is
 * an error at its place, with "did you mean". The rule sandbox refuses every other annotation, and
 * {@code @control} with anything but quoted ids or anywhere but after a rule's name. With
 * {@code require_controls}, a rule whose consequence calls {@code deny} or {@code requireApproval}
 * and names no control is an error at the rule's line.
 */
final class RuleControls {
    static final String ANNOTATION = "control";
    private static final Pattern HOLDING_CALL = Pattern.compile("\\b(deny|requireApproval)\\s*\\(");
    private static final Pattern COMMENTS = Pattern.compile("(?s)/\\*.*?\\*/|//[^\\n]*");
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'");

    private RuleControls() {
    }

    /** The controls of each rule (not query) of {@code file}, in the order written; problems go to {@code errors}. */
    static Map<RuleDescr, List<String>> of(SourceFile file, List<RuleDescr> rules, ControlCatalogue catalogue, boolean required,
                                          List<PolicyError> errors) {
        String text = file.text();
        List<Token> tokens = DrlTokens.lex(text).tokens();
        Map<Integer, Integer> byStart = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            byStart.put(tokens.get(i).start(), i);
        }
        Map<RuleDescr, List<String>> controls = new IdentityHashMap<>();
        for (RuleDescr rule : rules) {
            if (rule.isQuery()) {
                continue;
            }
            Integer at = byStart.get(rule.getStartCharacter());
            List<String> named = at == null ? List.of() : read(file, text, tokens, at, rule.getName(), catalogue, errors);
            controls.put(rule, named);
            if (required && named.isEmpty() && holds(rule)) {
                errors.add(new PolicyError(file.path(), rule.getLine(), 0, "rule \"" + rule.getName() + "\" denies or holds for approval and"
                        + " names no control, which bundle.yaml requires (require_controls: true); name what it enforces after its"
                        + " name: rule \"" + rule.getName() + "\" @control(\"SOC2:CC6.1\")"));
            }
        }
        return controls;
    }

    /**
     * A second {@code @control} on one rule, at its place: Drools' build refuses a repeated
     * annotation without saying where, so the file is read here to say it (and is not built).
     */
    static List<PolicyError> repeated(SourceFile file) {
        String text = file.text();
        List<Token> tokens = DrlTokens.lex(text).tokens();
        List<PolicyError> errors = new ArrayList<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (!tokens.get(i).is("rule") || (i > 0 && tokens.get(i - 1).is("."))) {
                continue;
            }
            String rule = tokens.get(i + 1).kind() == Kind.STRING ? tokens.get(i + 1).content() : tokens.get(i + 1).text();
            int j = i + 2;
            int seen = 0;
            while (j + 1 < tokens.size() && tokens.get(j).is("@") && tokens.get(j + 1).isIdentifier()) {
                if (tokens.get(j + 1).is(ANNOTATION) && ++seen == 2) {
                    errors.add(error(file, text, tokens.get(j).start(), rule, "a rule has one @control; list every control in it:"
                            + " @control(\"SOC2:CC6.1\", \"NIST-800-53:AC-3\")"));
                }
                j += 2;
                if (j < tokens.size() && tokens.get(j).is("(")) {
                    while (j < tokens.size() && !tokens.get(j).is(")")) {
                        j++;
                    }
                    j++;
                }
            }
        }
        return errors;
    }

    /**
     * For the rule sandbox: the index past the {@code )} of a rule's {@code @control(} whose first
     * argument is at {@code i}; anything but quoted ids and commas is refused, and the rest of the
     * annotation skipped.
     */
    static int pastIds(List<Token> t, int i, java.util.function.ObjIntConsumer<String> refuse) {
        while (i < t.size() && !t.get(i).is(")")) {
            Token k = t.get(i);
            if (k.kind() != Kind.STRING && !k.is(",")) {
                refuse.accept("@control takes quoted control ids, such as @control(\"SOC2:CC6.1\", \"NIST-800-53:AC-3\"), got "
                        + k.text(), i);
                while (i < t.size() && !t.get(i).is(")") && !t.get(i).is("when")) {
                    i++;
                }
                break;
            }
            i++;
        }
        return i < t.size() && t.get(i).is(")") ? i + 1 : i;
    }

    /** Whether the rule's consequence calls deny or requireApproval (outside comments and strings). */
    static boolean holds(RuleDescr rule) {
        if (!(rule.getConsequence() instanceof String code)) {
            return false;
        }
        return HOLDING_CALL.matcher(STRINGS.matcher(COMMENTS.matcher(code).replaceAll(" ")).replaceAll("\"\"")).find();
    }

    /** The annotations after the rule's name at token {@code at} ({@code rule}), until the first token that is not one. */
    private static List<String> read(SourceFile file, String text, List<Token> tokens, int at, String rule, ControlCatalogue catalogue,
                                     List<PolicyError> errors) {
        int i = at + 2; // past 'rule' and its name
        if (i < tokens.size() && tokens.get(i).is("extends")) {
            i += 2;
        }
        Set<String> named = new LinkedHashSet<>();
        while (i + 1 < tokens.size() && tokens.get(i).is("@") && tokens.get(i + 1).isIdentifier()) {
            Token name = tokens.get(i + 1);
            i += 2;
            int close = i;
            List<Token> arguments = new ArrayList<>();
            if (i < tokens.size() && tokens.get(i).is("(")) {
                int depth = 0;
                for (close = i; close < tokens.size(); close++) {
                    Token t = tokens.get(close);
                    if (t.is("(")) {
                        depth++;
                    } else if (t.is(")") && --depth == 0) {
                        break;
                    } else if (depth == 1 && !t.is(",")) {
                        arguments.add(t);
                    } else if (depth > 1) {
                        arguments.add(t);
                    }
                }
                i = close + 1;
            }
            if (!name.text().equals(ANNOTATION)) {
                continue; // the sandbox refuses it
            }
            if (arguments.isEmpty()) {
                errors.add(error(file, text, name.start() - 1, rule, "@control names no control; write @control(\"SOC2:CC6.1\")"));
                continue;
            }
            for (Token argument : arguments) {
                if (argument.kind() != Kind.STRING) {
                    continue; // the sandbox refuses it
                }
                String id = unescape(argument.content());
                String problem = ControlCatalogue.problemWith(id);
                if (problem != null) {
                    errors.add(error(file, text, argument.start(), rule, problem));
                } else if (catalogue != null && !catalogue.contains(id)) {
                    errors.add(error(file, text, argument.start(), rule, "control \"" + id + "\" is not in the bundle's catalogue, "
                            + catalogue.file() + ClosestName.hint(id, catalogue.controls().keySet())));
                } else if (!named.add(id)) {
                    errors.add(error(file, text, argument.start(), rule, "control \"" + id + "\" is named twice"));
                }
            }
        }
        return List.copyOf(named);
    }

    /** Whether an annotation's name looks like a slip of {@code control}. */
    static boolean isSlip(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return !name.equals(ANNOTATION) && (n.equals(ANNOTATION) || ClosestName.distance(n, ANNOTATION) <= 2 || n.startsWith("ctrl"));
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                b.append(s.charAt(++i));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static PolicyError error(SourceFile file, String text, int offset, String rule, String message) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new PolicyError(file.path(), line, offset - lineStart + 1, "rule \"" + rule + "\": " + message);
    }
}
