package dev.countersign.rules.engine;

import dev.countersign.rules.engine.DrlTokens.Token;
import java.util.Iterator;
import java.util.List;

/**
 * The evaluation budget in rule code's loops. The compiler writes every for-each loop of a consequence
 * or a DRL function, {@code for (T x : values)}, as {@code for (T x : RuleLoops.each(values))}, on
 * the same line, so the loop's steps count against the budget of the evaluation it runs in; the
 * loops that could run without one are compile errors ({@link TerminationCheck}). Public for the
 * code Drools compiles from rule text only: rules cannot name it.
 */
public final class RuleLoops {
    private static final String EACH = RuleLoops.class.getName() + ".each(";

    private RuleLoops() {
    }

    /** {@code values}, stepping through which checks the budget of the evaluation on this thread (none: no check). */
    public static <T> Iterable<T> each(Iterable<T> values) {
        Evaluation evaluation = Evaluation.currentOrNull();
        if (evaluation == null) {
            return values;
        }
        return () -> new Steps<>(values.iterator(), evaluation, null);
    }

    /** {@code code} (a consequence's or a function's body) with each for-each loop's collection passed through {@link #each}. */
    static String counted(String code) {
        List<Token> t = DrlTokens.lex(code).tokens();
        StringBuilder out = new StringBuilder(code);
        for (int i = t.size() - 2; i >= 0; i--) {
            if (!t.get(i).is("for") || !t.get(i + 1).is("(")) {
                continue;
            }
            int depth = 0;
            int colon = -1;
            for (int j = i + 1; j < t.size(); j++) {
                Token k = t.get(j);
                depth += k.is("(") || k.is("[") || k.is("{") ? 1 : k.is(")") || k.is("]") || k.is("}") ? -1 : 0;
                if (depth == 1 && colon < 0 && k.is(":")) {
                    colon = j;
                } else if (depth == 1 && k.is(";")) {
                    break; // for (init; condition; step): refused before the build
                } else if (depth == 0) {
                    if (colon >= 0) {
                        out.insert(k.start(), ')');
                        out.insert(t.get(colon).end(), ' ' + EACH);
                    }
                    break;
                }
            }
        }
        return out.toString();
    }

    /** The steps of {@code values}, counted as steps of {@code evaluation} ({@link Evaluation#step}), blaming {@code site} if it knows no better. */
    static final class Steps<T> implements Iterator<T> {
        private final Iterator<T> values;
        private final Evaluation evaluation;
        private final RuleRef site;

        Steps(Iterator<T> values, Evaluation evaluation, RuleRef site) {
            this.values = values;
            this.evaluation = evaluation;
            this.site = site;
        }

        @Override
        public boolean hasNext() {
            evaluation.step(site);
            return values.hasNext();
        }

        @Override
        public T next() {
            return values.next();
        }
    }
}
