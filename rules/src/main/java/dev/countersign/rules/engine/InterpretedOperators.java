package dev.countersign.rules.engine;

import java.lang.reflect.Field;
import java.util.Collection;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.Pattern;
import org.drools.base.rule.RuleConditionElement;
import org.drools.base.rule.constraint.Constraint;
import org.drools.mvel.MVELConstraint;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * Keeps conditions that use a custom operator ({@code str[startsWith]}, {@code str[endsWith]},
 * {@code str[length]}, the temporal operators) interpreted by MVEL rather than compiled to bytecode.
 * Drools 10.2 compiles such a condition, after its 20th evaluation, into code that calls
 * {@code EvaluatorHelper.initOperators(FactHandle, Tuple, EvaluatorWrapper[])}, a method that does not
 * exist (it takes a {@code BaseTuple}): from then on every evaluation of the rule would fail. A
 * condition marked dynamic is never compiled ({@code MVELConstraint} checks the flag before it counts
 * evaluations), and its clones, made as the network is built, keep the mark. A change of Drools'
 * internals fails every compilation here, loudly.
 */
final class InterpretedOperators {
    private static final Field DYNAMIC;

    static {
        try {
            DYNAMIC = MVELConstraint.class.getDeclaredField("isDynamic");
            DYNAMIC.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("this Drools version decides elsewhere which conditions it compiles: " + e);
        }
    }

    private InterpretedOperators() {
    }

    /** Marks every condition with a custom operator in {@code packages}, before they are added to a kie base. */
    static void keep(Collection<? extends KiePackage> packages) {
        for (KiePackage pkg : packages) {
            for (Rule rule : pkg.getRules()) {
                if (rule instanceof RuleImpl r) {
                    keep(r.getLhs());
                }
            }
        }
    }

    private static void keep(RuleConditionElement element) {
        if (element instanceof Pattern p) {
            for (Constraint c : p.getConstraints()) {
                if (c instanceof MVELConstraint m && m.getOperators() != null && m.getOperators().length > 0) {
                    try {
                        DYNAMIC.setBoolean(m, true);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("cannot keep the condition '" + m.getExpression() + "' interpreted", e);
                    }
                }
            }
        }
        for (RuleConditionElement nested : element.getNestedElements()) {
            keep(nested);
        }
    }
}
