package dev.countersign.rules.engine;

import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.drools.base.rule.accessor.DataProvider;
import org.drools.core.reteoo.BetaNode;
import org.drools.core.reteoo.FromNode;
import org.drools.core.reteoo.LeftTupleSource;
import org.drools.core.reteoo.TerminalNode;
import org.drools.core.reteoo.TupleToObjectNode;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.mvel.dataproviders.MVELDataProvider;
import org.drools.mvel.expr.MVELCompilationUnit;
import org.kie.api.definition.rule.Rule;

/**
 * The {@code from} sources of a built network. The nodes of the patterns the planner rewrote read the
 * context under evaluation directly ({@link ContextPartProvider}) instead of evaluating the
 * placeholder MVEL expression; every other {@code from} node, in subnetworks too ({@code not},
 * {@code exists}, {@code accumulate}, {@code collect}), checks the evaluation's budget
 * ({@link BudgetedSource}). The dialect re-installs its own provider on the rule's {@code From} while
 * the network is built, so the built nodes are patched; a change of Drools' internals fails every
 * compilation.
 */
final class FromSources {
    private static final Field MVEL_UNIT = internalField(MVELDataProvider.class, "unit");
    private static final Field FROM_NODE_PROVIDER = internalField(FromNode.class, "dataProvider");

    private FromSources() {
    }

    /** Installs the sources in {@code kieBase}, whose rules are written where {@code rules} says. */
    static void install(InternalKnowledgeBase kieBase, Map<Rule, RuleRef> rules) {
        Map<FromNode<?>, Set<RuleRef>> froms = new IdentityHashMap<>();
        for (TerminalNode[] nodes : kieBase.getReteooBuilder().getTerminalNodes().values()) {
            for (TerminalNode terminal : nodes) {
                collectFroms(terminal.getLeftTupleSource(), rules.get(terminal.getRule()), froms);
            }
        }
        for (Map.Entry<FromNode<?>, Set<RuleRef>> e : froms.entrySet()) {
            FromNode<?> from = e.getKey();
            DataProvider provider;
            if (AnchorPlanner.CONTEXT_GLOBAL.equals(expressionOf(from.getDataProvider()))) {
                Part part = Part.forTypeName(from.getResultClass().getName());
                if (part == null) {
                    throw new IllegalStateException("a context-part source yields " + from.getResultClass());
                }
                provider = new ContextPartProvider(part);
            } else {
                Set<RuleRef> owners = e.getValue();
                provider = new BudgetedSource(from.getDataProvider(), owners.size() == 1 ? owners.iterator().next() : null,
                        String.valueOf(expressionOf(from.getDataProvider())));
            }
            try {
                FROM_NODE_PROVIDER.set(from, provider);
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException("cannot install a from source", ex);
            }
        }
    }

    /** The {@code from} nodes on the way to {@code node}, with the rules whose way they are on, subnetworks included. */
    private static void collectFroms(LeftTupleSource node, RuleRef rule, Map<FromNode<?>, Set<RuleRef>> froms) {
        for (LeftTupleSource n = node; n != null; n = n.getLeftTupleSource()) {
            if (n instanceof FromNode<?> from) {
                froms.computeIfAbsent(from, f -> new HashSet<>()).add(rule);
            }
            if (n instanceof BetaNode beta && beta.getRightInput() != null
                    && beta.getRightInput().getParent() instanceof TupleToObjectNode subnetwork) {
                collectFroms(subnetwork.getLeftTupleSource(), rule, froms);
            }
        }
    }

    /**
     * The MVEL expression of a {@code from} source, or null for another kind of source. Drools has no
     * public accessor for it; a change of its internals fails every compilation here, loudly.
     */
    private static String expressionOf(DataProvider provider) {
        if (!(provider instanceof MVELDataProvider)) {
            return null;
        }
        try {
            return ((MVELCompilationUnit) MVEL_UNIT.get(provider)).getExpression().trim();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read the expression of a from source", e);
        }
    }

    private static Field internalField(Class<?> type, String name) {
        try {
            Field f = type.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("this Drools version keeps " + type.getSimpleName() + "." + name + " elsewhere: " + e);
        }
    }
}
