package dev.countersign.rules.engine;

/**
 * A {@code from} source that threw while a rule's conditions were matched: the rule whose source it
 * is, so that the failure's reason can name it ({@link FailureReasons}); Drools' own wrapping names
 * neither the rule nor the expression.
 */
final class SourceFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient RuleRef rule;

    SourceFailure(RuleRef rule, String expression, RuntimeException cause) {
        super("source 'from " + expression + "'", cause);
        this.rule = rule;
    }

    /** The rule whose source failed, or null when rules share the source. */
    RuleRef rule() {
        return rule;
    }
}
