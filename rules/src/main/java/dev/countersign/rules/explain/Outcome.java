package dev.countersign.rules.explain;

/** What an explanation found a condition to be, for one action context. */
public enum Outcome {
    /** The condition is true. */
    HELD("held"),
    /** The condition is false. */
    FAILED("failed"),
    /** Evaluating the condition threw (a typed read of another kind of value, for example). */
    ERROR("error"),
    /** The condition is of a form the explanation does not evaluate (accumulate, from, eval, or, ...). */
    NOT_EXPLAINED("not explained"),
    /** The condition reads a binding no explained condition supplied (its part was not sent, or it comes from an unexplained one). */
    NOT_EVALUATED("not evaluated");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** The words shown in text output, such as {@code not explained}. */
    public String label() {
        return label;
    }

    /** The JSON form, such as {@code not_explained}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
