package dev.countersign.rules.engine;

import dev.countersign.rules.explain.Outcome;
import dev.countersign.rules.explain.Values;
import dev.countersign.rules.model.ActionContext;
import java.io.Serializable;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.AtomicExprDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.BindingDescr;
import org.drools.drl.ast.descr.ConstraintConnectiveDescr;
import org.drools.drl.ast.descr.ImportDescr;
import org.drools.drl.ast.descr.RelationalExprDescr;
import org.mvel2.MVEL;
import org.mvel2.ParserConfiguration;
import org.mvel2.ParserContext;

/**
 * Evaluates one constraint of a pattern, as the DRL expression parser splits it (connectives,
 * relations, bindings), against one fact, for explanations: each operand is read with MVEL, with the
 * fact as its root and the bindings so far as variables, and the relation is applied as Drools applies
 * it (MVEL's own comparison for {@code ==}, {@code <} and the like; {@code contains}, {@code memberOf},
 * {@code matches}, {@code finds} and {@code str[...]} here, an absent text matching no pattern). Operators
 * it does not know ({@code soundslike}, the temporal ones) make the constraint not explained.
 *
 * <p>The text evaluated is the rule's own, which the rule sandbox accepted when the bundle compiled;
 * classes are resolved through the loader the compiled conditions use, with the file's imports. This
 * evaluation is only for explanations, never for decisions: a decision is the real evaluation's.
 */
final class ConditionEvaluator {
    private static final Map<String, Serializable> OPERATIONS = new ConcurrentHashMap<>();

    private final ParserConfiguration configuration;
    private final Map<String, Serializable> compiled = new ConcurrentHashMap<>();

    /** An evaluator for the conditions of one rule file, with its {@code imports}, resolving classes through {@code loader}. */
    ConditionEvaluator(ClassLoader loader, List<ImportDescr> imports) {
        configuration = new ParserConfiguration();
        configuration.setClassLoader(loader);
        configuration.addPackageImport(ActionContext.class.getPackageName());
        for (ImportDescr i : imports) {
            String target = i.getTarget();
            if (target.endsWith(".*")) {
                configuration.addPackageImport(target.substring(0, target.length() - 2));
            } else {
                try {
                    configuration.addImport(target.substring(target.lastIndexOf('.') + 1), Class.forName(target, false, loader));
                } catch (ClassNotFoundException | LinkageError e) {
                    // not a class the rules can reach: a condition naming it is reported by the build, not here
                }
            }
        }
    }

    /** The class a pattern's type names: a part, an imported class, a class of {@code java.lang}; null when none is found. */
    Class<?> type(String name) {
        Part part = Part.forTypeName(name);
        if (part != null) {
            return part.type;
        }
        try {
            if (configuration.hasImport(name)) {
                return configuration.getImport(name);
            }
        } catch (RuntimeException e) {
            // not resolvable through the imports: try the names below
        }
        for (String candidate : new String[] {name, "java.lang." + name}) {
            try {
                return Class.forName(candidate, false, configuration.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // next candidate
            }
        }
        return null;
    }

    /** The value of {@code expression} read with no fact, from the bindings in {@code variables} (a {@code from} source). */
    Object value(String expression, Map<String, Object> variables) {
        return MVEL.executeExpression(compiled(expression), new HashMap<>(variables));
    }

    /** The outcome of a constraint and the values it read. */
    record Result(Outcome outcome, Map<String, Object> values, String message) {
    }

    /** Thrown where a constraint takes a form this evaluator does not explain. */
    static final class NotExplained extends RuntimeException {
        NotExplained(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Evaluates {@code tree} against {@code fact}, reading and adding the bindings in {@code variables}
     * (a binding's value is bound whether or not the constraint holds, so that later conditions can
     * still be explained).
     */
    Result evaluate(ConstraintConnectiveDescr tree, Object fact, Map<String, Object> variables) {
        Map<String, Object> values = new LinkedHashMap<>();
        try {
            boolean held = test(tree, fact, variables, values);
            return new Result(held ? Outcome.HELD : Outcome.FAILED, values, null);
        } catch (NotExplained e) {
            return new Result(Outcome.NOT_EXPLAINED, values, e.getMessage());
        } catch (RuntimeException e) {
            return new Result(Outcome.ERROR, values, cause(e));
        }
    }

    private boolean test(BaseDescr d, Object fact, Map<String, Object> variables, Map<String, Object> values) {
        if (d instanceof ConstraintConnectiveDescr c) {
            switch (c.getConnective()) {
                case AND:
                    for (BaseDescr child : c.getDescrs()) {
                        if (!test(child, fact, variables, values)) {
                            return false;
                        }
                    }
                    return true;
                case OR:
                case INC_OR:
                    for (BaseDescr child : c.getDescrs()) {
                        if (test(child, fact, variables, values)) {
                            return true;
                        }
                    }
                    return false;
                default:
                    throw new NotExplained("the connective " + c.getConnective() + " is not explained");
            }
        }
        if (d instanceof RelationalExprDescr r) {
            return relation(r, fact, variables, values);
        }
        if (d instanceof BindingDescr b) {
            operand(b, fact, variables, values);
            return true;
        }
        if (d instanceof AtomicExprDescr a) {
            Object value = operand(a, fact, variables, values);
            if (value instanceof Boolean held) {
                return held;
            }
            throw new IllegalArgumentException(a.getExpression() + " is " + Values.show(value) + ", not true or false");
        }
        throw new NotExplained("this form of constraint is not explained");
    }

    private Object operand(BaseDescr d, Object fact, Map<String, Object> variables, Map<String, Object> values) {
        if (d instanceof BindingDescr b) {
            if (b.isUnification()) {
                throw new NotExplained("unification (:=) is not explained");
            }
            Object value = read(b.getExpression(), fact, variables);
            values.putIfAbsent(b.getExpression().trim(), value);
            variables.put(b.getVariable(), value);
            return value;
        }
        if (d instanceof AtomicExprDescr a) {
            Object value = read(a.getExpression(), fact, variables);
            if (!a.isLiteral()) {
                values.putIfAbsent(a.getExpression().trim(), value);
            }
            return value;
        }
        throw new NotExplained("this form of operand is not explained");
    }

    private Object read(String expression, Object fact, Map<String, Object> variables) {
        return MVEL.executeExpression(compiled(expression), fact, new HashMap<>(variables));
    }

    /** {@code expression} compiled once; compilations share the file's configuration, so they are made one at a time. */
    private Serializable compiled(String expression) {
        Serializable done = compiled.get(expression);
        if (done != null) {
            return done;
        }
        synchronized (configuration) {
            return compiled.computeIfAbsent(expression, e -> MVEL.compileExpression(e, new ParserContext(configuration)));
        }
    }

    private boolean relation(RelationalExprDescr r, Object fact, Map<String, Object> variables, Map<String, Object> values) {
        String operator = r.getOperator();
        Object left = operand(r.getLeft(), fact, variables, values);
        Object right = operand(r.getRight(), fact, variables, values);
        boolean negated = r.isNegated();
        switch (operator) {
            case "==":
            case "!=":
                return negated != compare(operator, left, right);
            case "<":
            case "<=":
            case ">":
            case ">=":
                return left != null && right != null && negated != compare(operator, left, right);
            case "contains":
                return negated != contains(left, right);
            case "memberOf":
                return negated != contains(right, left);
            case "matches":
            case "finds":
                if (left == null || right == null) {
                    return negated;   // as the engine: an absent text matches nothing, so "not matches" holds
                }
                var m = Pattern.compile(right.toString()).matcher(left.toString());
                return negated != (operator.equals("matches") ? m.matches() : m.find());
            case "str":
                return str(r, left, right, negated);
            default:
                throw new NotExplained("the operator " + operator + " is not explained");
        }
    }

    private static boolean compare(String operator, Object left, Object right) {
        Serializable op = OPERATIONS.computeIfAbsent(operator, o -> MVEL.compileExpression("__left " + o + " __right"));
        Map<String, Object> operands = new HashMap<>();
        operands.put("__left", left);
        operands.put("__right", right);
        return Boolean.TRUE.equals(MVEL.executeExpression(op, operands));
    }

    private static boolean contains(Object container, Object element) {
        if (container instanceof Collection<?> c) {
            return c.contains(element);
        }
        if (container instanceof Map<?, ?> m) {
            return m.containsKey(element);
        }
        if (container instanceof String s) {
            return element != null && s.contains(element.toString());
        }
        return false;
    }

    private static boolean str(RelationalExprDescr r, Object left, Object right, boolean negated) {
        List<String> parameters = r.getParameters();
        String how = parameters == null || parameters.isEmpty() ? "" : parameters.get(0);
        if (left == null || right == null) {
            return false;
        }
        String text = left.toString();
        boolean held;
        switch (how) {
            case "startsWith":
                held = text.startsWith(right.toString());
                break;
            case "endsWith":
                held = text.endsWith(right.toString());
                break;
            case "length":
                held = right instanceof Number n && text.length() == n.intValue();
                break;
            default:
                throw new NotExplained("str[" + how + "] is not explained");
        }
        return negated != held;
    }

    /** The innermost message of a failure, as a rule author reads it. */
    static String cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int near = message.indexOf("\n[Near");
        return (near > 0 ? message.substring(0, near) : message).replaceFirst("^\\[Error: [^]]*]: ", "").trim();
    }
}
