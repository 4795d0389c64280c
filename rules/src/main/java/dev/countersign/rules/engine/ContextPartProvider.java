package dev.countersign.rules.engine;

import java.util.Collections;
import java.util.Iterator;
import org.drools.base.base.ValueResolver;
import org.drools.base.reteoo.BaseTuple;
import org.drools.base.rule.Declaration;
import org.drools.base.rule.accessor.DataProvider;

/**
 * Supplies one part of the action context under evaluation to a pattern that the
 * {@link AnchorPlanner} turned into {@code Part(...) from <context>}: the part itself, or nothing
 * when the caller did not send it. Stateless; equal for equal parts, so the network shares nodes.
 */
final class ContextPartProvider implements DataProvider {
    private static final long serialVersionUID = 1L;
    private static final Declaration[] NONE = new Declaration[0];

    private final Part part;

    ContextPartProvider(Part part) {
        this.part = part;
    }

    @Override
    public Declaration[] getRequiredDeclarations() {
        return NONE;
    }

    @Override
    public Object createContext() {
        return null;
    }

    @Override
    public Iterator<?> getResults(BaseTuple tuple, ValueResolver valueResolver, Object providerContext) {
        Object value = part.of(Evaluation.current().context);
        return value == null ? Collections.emptyIterator() : new One(value);
    }

    /** The part, once: one object per evaluation of the pattern, where a singleton set costs a set and its iterator. */
    private static final class One implements Iterator<Object> {
        private Object value;

        One(Object value) {
            this.value = value;
        }

        @Override
        public boolean hasNext() {
            return value != null;
        }

        @Override
        public Object next() {
            if (value == null) {
                throw new java.util.NoSuchElementException();
            }
            Object v = value;
            value = null;
            return v;
        }
    }

    @Override
    public DataProvider clone() {
        return this;
    }

    @Override
    public void replaceDeclaration(Declaration declaration, Declaration resolved) {
        // requires no declarations
    }

    @Override
    public boolean isReactive() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContextPartProvider other && other.part == part;
    }

    @Override
    public int hashCode() {
        return part.hashCode();
    }

    @Override
    public String toString() {
        return "context part " + part;
    }
}
