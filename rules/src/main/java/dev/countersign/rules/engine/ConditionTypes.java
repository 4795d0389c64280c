package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.base.base.ValueResolver;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.RuleConditionElement;
import org.drools.base.rule.constraint.Constraint;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.mvel.MVELConstraint;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;

/**
 * Compiles every condition MVEL interprets when the bundle is built, as Drools would only at the
 * condition's first evaluation: a comparison of types MVEL cannot compare (an {@code int} such as
 * {@code command.length()} against the {@code Number} of {@code data.number(...)}) is then a compile
 * error at the condition's {@code file:line:column}, naming its rule, instead of a failure of every
 * evaluation that reaches it. A change of Drools' internals fails every compilation here, loudly.
 */
final class ConditionTypes {
    private static final Method COMPILE;
    private static final Pattern MVEL_ERROR = Pattern.compile("\\[Error: (?:\\[Error: )?([^\\]\\n]*)");
    private static final Pattern COMPARISON = Pattern.compile("==|!=|<=|>=|<|>");
    private static final Pattern PRIMITIVE = Pattern.compile("(?<![\\w.])(int|long|short|byte|double|float|char)(?![\\w.])");
    private static final Pattern OTHER_LITERAL = Pattern.compile("java\\.lang\\.(String|Boolean|Character)\\b");

    static {
        try {
            COMPILE = MVELConstraint.class.getDeclaredMethod("createMvelConditionEvaluator", ValueResolver.class);
            COMPILE.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError("this Drools version compiles conditions elsewhere: " + e);
        }
    }

    private ConditionTypes() {
    }

    /**
     * Adds to {@code errors} every condition of {@code kieBase} that does not compile, but for the rules
     * in {@code skipped} (by {@link RuleNames#keyOf}), which have errors already; {@code files} by path.
     */
    static void check(InternalKnowledgeBase kieBase, Map<Rule, RuleRef> rules, Map<String, SourceFile> files, Set<String> skipped,
            List<PolicyError> errors) {
        KieSession session = kieBase.newKieSession();
        try {
            for (KiePackage pkg : kieBase.getKiePackages()) {
                for (Rule rule : pkg.getRules()) {
                    if (rule instanceof RuleImpl r && !skipped.contains(RuleNames.keyOf(rules.get(rule)))) {
                        check(r.getLhs(), (ValueResolver) session, rules.get(rule), files, errors);
                    }
                }
            }
        } finally {
            session.dispose();
        }
    }

    private static void check(RuleConditionElement element, ValueResolver resolver, RuleRef rule, Map<String, SourceFile> files,
            List<PolicyError> errors) {
        if (element instanceof org.drools.base.rule.Pattern p) {
            for (Constraint c : p.getConstraints()) {
                if (c instanceof MVELConstraint m) {
                    try {
                        COMPILE.invoke(m, resolver);
                    } catch (InvocationTargetException e) {
                        errors.add(error(rule, TextOperators.asWritten(m.getExpression()), e.getCause(), files));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("cannot compile the condition '" + m.getExpression() + "'", e);
                    }
                }
            }
        }
        for (RuleConditionElement nested : element.getNestedElements()) {
            check(nested, resolver, rule, files, errors);
        }
    }

    private static PolicyError error(RuleRef rule, String expression, Throwable failure, Map<String, SourceFile> files) {
        String message = String.valueOf(failure.getMessage());
        Matcher mvel = MVEL_ERROR.matcher(message);
        String detail = BuildErrors.clean(mvel.find() ? mvel.group(1) : BuildErrors.firstLine(message));
        String hint = hint(message);
        String text = "rule \"" + rule.name() + "\": condition '" + expression.trim() + "' does not compile: " + detail + hint;
        SourceFile file = files.get(rule.file());
        int[] at = file == null ? new int[] {rule.line(), 0} : position(file.text(), rule.line(), expression.trim());
        return new PolicyError(rule.file(), at[0], at[1], text);
    }

    /**
     * What to write instead, for a comparison of a {@code Number} ({@code data.number(...)},
     * {@code number(...)}) that MVEL cannot make; empty for other messages.
     */
    static String hint(String message) {
        if (!message.contains("java.lang.Number")) {
            return "";
        }
        if (PRIMITIVE.matcher(message).find()) {
            return "; data.number(...) and number(...) are a Number, which MVEL does not compare with an int or another"
                    + " primitive: write data.number(...).doubleValue() or number(...).doubleValue()";
        }
        if (OTHER_LITERAL.matcher(message).find()) {
            return "; data.number(...) and number(...) are a Number, and a Number is only compared with a number:"
                    + " write the literal as a number (10, not \"10\"); a text or a boolean attribute is read with text(...)"
                    + " or flag(...)";
        }
        return "";
    }

    /**
     * The line and column of {@code expression} in {@code text} from {@code fromLine} on, or, as Drools may
     * turn a comparison around ({@code 3 < size()} is kept as {@code size() > 3}), of the first line that
     * holds each of its operands; else {@code fromLine} and 0.
     */
    private static int[] position(String text, int fromLine, String expression) {
        String[] lines = text.split("\n", -1);
        String[] operands = COMPARISON.split(expression);
        for (int i = Math.max(fromLine - 1, 0); i < lines.length; i++) {
            int at = lines[i].indexOf(expression);
            if (at >= 0) {
                return new int[] {i + 1, at + 1};
            }
        }
        for (int i = Math.max(fromLine - 1, 0); i < lines.length && operands.length > 1; i++) {
            int first = Integer.MAX_VALUE;
            for (String operand : operands) {
                int at = lines[i].indexOf(operand.trim());
                first = at < 0 ? -1 : Math.min(first, at);
                if (at < 0) {
                    break;
                }
            }
            if (first >= 0) {
                return new int[] {i + 1, first + 1};
            }
        }
        return new int[] {fromLine, 0};
    }
}
