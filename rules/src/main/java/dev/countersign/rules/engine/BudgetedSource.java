package dev.countersign.rules.engine;

import java.util.Iterator;
import org.drools.base.base.ValueResolver;
import org.drools.base.reteoo.BaseTuple;
import org.drools.base.rule.Declaration;
import org.drools.base.rule.accessor.DataProvider;

/**
 * A condition's {@code from} source whose reads and values count as steps of the evaluation they run
 * in ({@link Evaluation#step}): where the engine joins what {@code from} yields, as in
 * {@code $a : String() from data.list("xs")} followed by {@code $b : String() from data.list("xs")},
 * the work grows with the product of the sources, and these are the points the evaluation passes
 * through. Blames {@code rule} when the node belongs to that rule alone (null when shared).
 */
final class BudgetedSource implements DataProvider {
    private static final long serialVersionUID = 1L;

    private final DataProvider source;
    private final RuleRef rule;
    private final String expression;

    BudgetedSource(DataProvider source, RuleRef rule, String expression) {
        this.source = source;
        this.rule = rule;
        this.expression = expression;
    }

    @Override
    public Declaration[] getRequiredDeclarations() {
        return source.getRequiredDeclarations();
    }

    @Override
    public Object createContext() {
        return source.createContext();
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Iterator getResults(BaseTuple tuple, ValueResolver valueResolver, Object providerContext) {
        Evaluation evaluation = Evaluation.currentOrNull();
        if (evaluation == null) {
            return source.getResults(tuple, valueResolver, providerContext);
        }
        evaluation.step(rule);
        return new RuleLoops.Steps(results(tuple, valueResolver, providerContext), evaluation, rule);
    }

    /** The source's results; a failure of the source names its rule ({@link SourceFailure}), a spent budget stays as it is. */
    @SuppressWarnings("rawtypes")
    private Iterator results(BaseTuple tuple, ValueResolver valueResolver, Object providerContext) {
        try {
            return source.getResults(tuple, valueResolver, providerContext);
        } catch (Evaluation.BudgetExceeded e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SourceFailure(rule, expression, e);
        }
    }

    @Override
    public DataProvider clone() {
        return new BudgetedSource(source.clone(), rule, expression);
    }

    @Override
    public void replaceDeclaration(Declaration declaration, Declaration resolved) {
        source.replaceDeclaration(declaration, resolved);
    }

    @Override
    public boolean isReactive() {
        return source.isReactive();
    }

    @Override
    public String toString() {
        return "budgeted " + source;
    }
}
