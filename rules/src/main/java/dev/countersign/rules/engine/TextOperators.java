package dev.countersign.rules.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.base.base.ValueResolver;
import org.drools.base.base.ValueType;
import org.drools.base.rule.accessor.Evaluator;
import org.drools.base.rule.accessor.FieldValue;
import org.drools.base.rule.accessor.ReadAccessor;
import org.drools.compiler.rule.builder.EvaluatorDefinition;
import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.CollectDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.impl.Operator;
import org.drools.mvel.evaluators.BaseEvaluator;
import org.drools.mvel.evaluators.VariableRestriction;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.internal.builder.KnowledgeBuilderConfiguration;
import org.kie.internal.builder.conf.EvaluatorOption;

/**
 * The text operators of conditions beyond Drools' own: {@code finds}, a regular-expression search
 * ({@code command finds "(?i)drop\\s+table"} holds when the pattern is found anywhere in the text,
 * as {@link java.util.regex.Matcher#find()}; {@code matches} stays the whole-string match), and
 * {@code str[startsWith]}, {@code str[endsWith]}, {@code str[length]} in place of Drools' versions,
 * which throw on a null value.
 *
 * <p>Absent values: when either side is null the operator does not hold, and its negation
 * ({@code not finds}, {@code not str[...]}) does, as {@code !=} and {@code not memberOf} do; so a deny
 * written "unless the command looks safe" ({@code command not finds "^ls "}) fires on an absent
 * command, and an allow written that way needs its own {@code command != null}. A value that is
 * present but not text (a number in an untyped attribute) fails the evaluation (deny, with an
 * {@code error} reason) rather than being converted. A pattern that is not a literal is compiled
 * when the condition is evaluated; an invalid one fails the evaluation the same way (literal
 * patterns are checked when the bundle compiles, see {@link ConditionChecks}).
 *
 * <p>A search reads the evaluation's budget as it goes: one that backtracks ends when the budget is
 * spent (a cut-off evaluation, see {@link CompiledPolicy}), unlike {@code matches}. Conditions with
 * these operators are never compiled to bytecode: with a literal, Drools asks the evaluator
 * directly; otherwise they are MVEL conditions kept interpreted ({@link InterpretedOperators}).
 *
 * <p>A failure names its condition and rule: the build gives each condition that uses these
 * operators a site number, passed to its evaluators as a parameter ({@code finds[7]},
 * {@code safeStr[startsWith,7]}), and a failure is a {@link Failure} carrying it ({@link Site}).
 */
final class TextOperators {
    static final String FINDS = "finds";
    /**
     * The name {@code str[...]} is given for the build: Drools inlines an operator named {@code str}
     * into a method call on the value ({@code id.startsWith("x")}), which throws on null, before any
     * evaluator is asked.
     */
    static final String SAFE_STR = "safeStr";
    private static final Pattern STR_OPERATOR = Pattern.compile("(?<![\\w$.])str(?=\\s*\\[)");
    private static final Pattern FINDS_OPERATOR = Pattern.compile("(?<![\\w$.])finds(?![\\w$]|\\s*\\[)");
    private static final Pattern WRITTEN_FINDS = Pattern.compile("(?<![\\w$.])finds\\[\\d+\\]");
    private static final Pattern WRITTEN_STR = Pattern.compile("(?<![\\w$.])safeStr\\[\\s*(\\w*)\\s*,\\s*\\d+\\s*\\]");
    /** Patterns kept compiled; beyond this many (patterns read from the input), each evaluation compiles its own. */
    private static final int MAX_CACHED_PATTERNS = 512;
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    static {
        // The DRL parser knows an operator only once it is in this registry; it must be there before the first parse.
        Operator.addOperatorToRegistry(FINDS, false);
        Operator.addOperatorToRegistry(FINDS, true);
        Operator.addOperatorToRegistry(SAFE_STR, false);
        Operator.addOperatorToRegistry(SAFE_STR, true);
    }

    private TextOperators() {
    }

    /** Makes the parser know {@code finds}; call before parsing rule text. */
    static void registerOperators() {
        // the static initialiser does it
    }

    /** Makes a build use these operators. */
    static void configure(KnowledgeBuilderConfiguration configuration) {
        configuration.setOption(EvaluatorOption.get(FINDS, new FindsDefinition()));
        configuration.setOption(EvaluatorOption.get(SAFE_STR, new StrDefinition()));
    }

    /** A condition that uses these operators, as written, and its rule (null in a query). */
    record Site(RuleRef rule, String condition) {
    }

    /** A failure of one of these operators at {@code site} (an index into the build's sites); its message says what failed. */
    static final class Failure extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final int site;

        Failure(int site, String message) {
            super(message);
            this.site = site;
        }
    }

    /**
     * Renames {@code str[...]} in every condition of {@code pkg} (outside string literals) to
     * {@link #SAFE_STR}, and gives each condition that uses {@code finds} or {@code str[...]} its site:
     * its index in {@code sites}, where it is added with its rule ({@code rules}: by package and name).
     */
    static void rewrite(PackageDescr pkg, List<Site> sites, BiFunction<String, String, RuleRef> rules) {
        for (RuleDescr rule : pkg.getRules()) {
            if (rule.getLhs() != null) {
                RuleRef ref = rule.isQuery() ? null : rules.apply(pkg.getNamespace(), rule.getName());
                rewrite(rule.getLhs(), ref, sites);
            }
        }
    }

    /** A condition's text as its author wrote it (undoing {@link #rewrite}), for messages. */
    static String asWritten(String condition) {
        String finds = WRITTEN_FINDS.matcher(condition).replaceAll(FINDS);
        return WRITTEN_STR.matcher(finds).replaceAll("str[$1]").replace(SAFE_STR + "[", "str[");
    }

    private static void rewrite(BaseDescr descr, RuleRef rule, List<Site> sites) {
        if (descr instanceof ExprConstraintDescr e) {
            String expression = e.getExpression();
            String code = SourceChecks.blankStrings(expression);
            Matcher str = STR_OPERATOR.matcher(code);
            Matcher finds = FINDS_OPERATOR.matcher(code);
            boolean hasStr = str.find();
            boolean hasFinds = finds.find();
            if (!hasStr && !hasFinds) {
                return;
            }
            int site = sites.size();
            sites.add(new Site(rule, expression.trim()));
            StringBuilder out = new StringBuilder(expression);
            // from the end, so that earlier offsets stay valid
            List<int[]> edits = new java.util.ArrayList<>();   // {start, end, kind}: 0 = str, 1 = finds
            for (boolean more = hasStr; more; more = str.find()) {
                edits.add(new int[] {str.start(), str.end(), 0});
            }
            for (boolean more = hasFinds; more; more = finds.find()) {
                edits.add(new int[] {finds.start(), finds.end(), 1});
            }
            edits.sort((a, b) -> Integer.compare(b[0], a[0]));
            for (int[] edit : edits) {
                if (edit[2] == 1) {
                    out.insert(edit[1], "[" + site + "]");
                } else {
                    int close = code.indexOf(']', edit[1]);
                    if (close > 0) {
                        out.insert(close, "," + site);
                    }
                    out.replace(edit[0], edit[1], SAFE_STR);
                }
            }
            e.setExpression(out.toString());
        } else if (descr instanceof PatternDescr p) {
            p.getDescrs().forEach(d -> rewrite(d, rule, sites));
            if (p.getSource() instanceof AccumulateDescr a && a.getInputPattern() != null) {
                rewrite(a.getInputPattern(), rule, sites);
            } else if (p.getSource() instanceof CollectDescr c && c.getInputPattern() != null) {
                rewrite(c.getInputPattern(), rule, sites);
            }
        } else if (descr instanceof ConditionalElementDescr ce) {
            ce.getDescrs().forEach(d -> rewrite(d, rule, sites));
        }
    }

    static Pattern pattern(String regex) {
        Pattern p = PATTERNS.get(regex);
        if (p == null) {
            p = Pattern.compile(regex);
            if (PATTERNS.size() < MAX_CACHED_PATTERNS) {
                PATTERNS.putIfAbsent(regex, p);
            }
        }
        return p;
    }

    private static String text(Object value, String operator) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        throw new IllegalArgumentException(operator + " compares text, got " + kind(value) + "; read an attribute with text(\"...\")");
    }

    private static String kind(Object value) {
        return value instanceof Number ? "a number" : value instanceof Boolean ? "a boolean"
                : value instanceof java.util.List<?> ? "a list" : value instanceof Map<?, ?> ? "an object"
                : value.getClass().getSimpleName();
    }

    /** The operator's answer on two values: the negation of {@code holds}, except that nothing holds on null. */
    private abstract static class TextEvaluator extends BaseEvaluator {
        /** The condition's site in the build ({@link #rewrite}); -1 when not known. */
        int site = -1;

        TextEvaluator() {
        }

        TextEvaluator(ValueType type, Operator operator, int site) {
            super(type, operator);
            this.site = site;
        }

        /** Whether the (non-negated) operator holds; null when a side is absent. */
        abstract Boolean test(Object left, Object right);

        @Override
        public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException {
            super.writeExternal(out);
            out.writeInt(site);
        }

        @Override
        public void readExternal(java.io.ObjectInput in) throws java.io.IOException, ClassNotFoundException {
            super.readExternal(in);
            site = in.readInt();
        }

        private boolean decide(Object left, Object right) {
            Boolean holds;
            try {
                holds = test(left, right);
            } catch (Failure e) {
                throw e;
            } catch (IllegalArgumentException e) {   // a value of another kind, a pattern that does not compile
                throw new Failure(site, e.getMessage());
            }
            boolean negated = getOperator().isNegated();
            return holds == null ? negated : holds != negated;
        }

        @Override
        public boolean evaluate(ValueResolver resolver, ReadAccessor extractor, FactHandle handle, FieldValue value) {
            return decide(extractor.getValue(resolver, handle.getObject()), value.getValue());
        }

        @Override
        public boolean evaluate(ValueResolver resolver, ReadAccessor left, FactHandle leftHandle, ReadAccessor right, FactHandle rightHandle) {
            return decide(left.getValue(resolver, leftHandle.getObject()), right.getValue(resolver, rightHandle.getObject()));
        }

        /** A join's cached form: the entry holds the bound variable's value, the handle the fact whose field is tested. */
        @Override
        public boolean evaluateCachedLeft(ValueResolver resolver, VariableRestriction.VariableContextEntry context, FactHandle handle) {
            Object field = context.extractor.getValue(resolver, handle.getObject());
            return decide(field, ((VariableRestriction.ObjectVariableContextEntry) context).left);
        }

        /** A join's cached form: the entry holds the tested field's value, the handle the fact the variable is bound on. */
        @Override
        public boolean evaluateCachedRight(ValueResolver resolver, VariableRestriction.VariableContextEntry context, FactHandle handle) {
            Object variable = context.declaration.getExtractor().getValue(resolver, handle.getObject());
            return decide(((VariableRestriction.ObjectVariableContextEntry) context).right, variable);
        }
    }

    /** {@code finds}: a regular-expression search in the text. */
    public static final class FindsEvaluator extends TextEvaluator {
        public FindsEvaluator() {
        }

        FindsEvaluator(ValueType type, boolean negated, int site) {
            super(type, Operator.determineOperator(FINDS, negated), site);
        }

        @Override
        Boolean test(Object left, Object right) {
            String text = text(left, FINDS);
            String regex = text(right, FINDS);
            if (text == null || regex == null) {
                return null;
            }
            Evaluation evaluation = Evaluation.currentOrNull();
            return pattern(regex).matcher(evaluation == null ? text : new BudgetedText(text, evaluation)).find();
        }
    }

    /**
     * Text that checks the evaluation's budget as the regular-expression engine reads it, so that a
     * pattern that backtracks (from the input, or written so) ends when the budget is spent.
     */
    private record BudgetedText(String text, Evaluation evaluation) implements CharSequence {
        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            evaluation.step(null);
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BudgetedText(text.substring(start, end), evaluation);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** {@code str[startsWith]}, {@code str[endsWith]}, {@code str[length]}. */
    public static final class StrEvaluator extends TextEvaluator {
        private String operation;

        public StrEvaluator() {
        }

        StrEvaluator(ValueType type, boolean negated, String operation, int site) {
            super(type, Operator.determineOperator(SAFE_STR, negated), site);
            this.operation = operation;
        }

        @Override
        Boolean test(Object left, Object right) {
            String text = text(left, "str[" + operation + "]");
            if (text == null || right == null) {
                return null;
            }
            switch (operation) {
                case "startsWith":
                    return text.startsWith(text(right, "str[startsWith]"));
                case "endsWith":
                    return text.endsWith(text(right, "str[endsWith]"));
                default:
                    return text.length() == length(right);
            }
        }

        /** A literal length arrives as text (Drools coerces it to the field's type); a variable's as a number. */
        private static long length(Object right) {
            if (right instanceof Number n) {
                return n.longValue();
            }
            if (right instanceof String s && s.trim().matches("\\d{1,18}")) {
                return Long.parseLong(s.trim());
            }
            throw new IllegalArgumentException("str[length] compares with a whole number, got " + (right instanceof String ? "\"" + right + "\"" : kind(right)));
        }

        @Override
        public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException {
            super.writeExternal(out);
            out.writeUTF(operation);
        }

        @Override
        public void readExternal(java.io.ObjectInput in) throws java.io.IOException, ClassNotFoundException {
            super.readExternal(in);
            operation = in.readUTF();
        }
    }

    private abstract static class Definition implements EvaluatorDefinition {
        private final String id;

        Definition(String id) {
            this.id = id;
        }

        @Override
        public String[] getEvaluatorIds() {
            return new String[] {id};
        }

        @Override
        public boolean isNegatable() {
            return true;
        }

        @Override
        public Evaluator getEvaluator(ValueType type, String operatorId, boolean negated, String parameterText) {
            return getEvaluator(type, operatorId, negated, parameterText, Target.FACT, Target.FACT);
        }

        @Override
        public Evaluator getEvaluator(ValueType type, Operator operator, String parameterText) {
            return getEvaluator(type, operator.getOperatorString(), operator.isNegated(), parameterText);
        }

        @Override
        public Evaluator getEvaluator(ValueType type, Operator operator) {
            return getEvaluator(type, operator.getOperatorString(), operator.isNegated(), null);
        }

        @Override
        public boolean supportsType(ValueType type) {
            return true;
        }

        @Override
        public Target getTarget() {
            return Target.FACT;
        }

        @Override
        public void writeExternal(java.io.ObjectOutput out) {
        }

        @Override
        public void readExternal(java.io.ObjectInput in) {
        }
    }

    /** Definition of {@code finds}; public, with a no-argument constructor, as Drools' configuration wants it. */
    public static final class FindsDefinition extends Definition {
        public FindsDefinition() {
            super(FINDS);
        }

        @Override
        public Evaluator getEvaluator(ValueType type, String operatorId, boolean negated, String parameterText, Target left, Target right) {
            String site = parameterText == null ? "" : parameterText.trim();
            if (!site.isEmpty() && !site.matches("\\d{1,9}")) {
                throw new IllegalArgumentException("finds takes no parameter: write text finds \"pattern\"");
            }
            return new FindsEvaluator(type, negated, site.isEmpty() ? -1 : Integer.parseInt(site));
        }
    }

    /** Definition of {@code str[...]}; public, with a no-argument constructor, as Drools' configuration wants it. */
    public static final class StrDefinition extends Definition {
        public StrDefinition() {
            super(SAFE_STR);
        }

        @Override
        public Evaluator getEvaluator(ValueType type, String operatorId, boolean negated, String parameterText, Target left, Target right) {
            String operation = parameterText == null ? "" : parameterText.trim();
            int site = -1;
            int comma = operation.lastIndexOf(',');
            if (comma >= 0 && operation.substring(comma + 1).trim().matches("\\d{1,9}")) {
                site = Integer.parseInt(operation.substring(comma + 1).trim());
                operation = operation.substring(0, comma).trim();
            }
            if (!operation.equals("startsWith") && !operation.equals("endsWith") && !operation.equals("length")) {
                throw new IllegalArgumentException("str[" + operation + "] is not an operator; write str[startsWith], str[endsWith] or str[length]");
            }
            return new StrEvaluator(type, negated, operation, site);
        }
    }
}
