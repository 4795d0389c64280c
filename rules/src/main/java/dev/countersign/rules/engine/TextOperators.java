package dev.countersign.rules.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /** Renames {@code str[...]} in every condition of {@code pkg} (outside string literals) to {@link #SAFE_STR}. */
    static void rewrite(PackageDescr pkg) {
        for (RuleDescr rule : pkg.getRules()) {
            if (rule.getLhs() != null) {
                rewrite(rule.getLhs());
            }
        }
    }

    /** A condition's text as its author wrote it (undoing {@link #rewrite}), for messages. */
    static String asWritten(String condition) {
        return condition.replace(SAFE_STR + "[", "str[");
    }

    private static void rewrite(BaseDescr descr) {
        if (descr instanceof ExprConstraintDescr e) {
            String expression = e.getExpression();
            String code = SourceChecks.blankStrings(expression);
            Matcher m = STR_OPERATOR.matcher(code);
            StringBuilder out = new StringBuilder();
            int last = 0;
            while (m.find()) {
                out.append(expression, last, m.start()).append(SAFE_STR);
                last = m.end();
            }
            if (last > 0) {
                e.setExpression(out.append(expression.substring(last)).toString());
            }
        } else if (descr instanceof PatternDescr p) {
            p.getDescrs().forEach(TextOperators::rewrite);
            if (p.getSource() instanceof AccumulateDescr a && a.getInputPattern() != null) {
                rewrite(a.getInputPattern());
            } else if (p.getSource() instanceof CollectDescr c && c.getInputPattern() != null) {
                rewrite(c.getInputPattern());
            }
        } else if (descr instanceof ConditionalElementDescr ce) {
            ce.getDescrs().forEach(TextOperators::rewrite);
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
        TextEvaluator() {
        }

        TextEvaluator(ValueType type, Operator operator) {
            super(type, operator);
        }

        /** Whether the (non-negated) operator holds; null when a side is absent. */
        abstract Boolean test(Object left, Object right);

        private boolean decide(Object left, Object right) {
            Boolean holds = test(left, right);
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

        FindsEvaluator(ValueType type, boolean negated) {
            super(type, Operator.determineOperator(FINDS, negated));
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

        StrEvaluator(ValueType type, boolean negated, String operation) {
            super(type, Operator.determineOperator(SAFE_STR, negated));
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
            return new FindsEvaluator(type, negated);
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
            if (!operation.equals("startsWith") && !operation.equals("endsWith") && !operation.equals("length")) {
                throw new IllegalArgumentException("str[" + operation + "] is not an operator; write str[startsWith], str[endsWith] or str[length]");
            }
            return new StrEvaluator(type, negated, operation);
        }
    }
}
