package dev.countersign.rules;

import java.util.List;

/** A bundle that cannot be activated, with every problem found, sorted by file, line and column. */
public final class InvalidPolicyException extends Exception {
    private final transient List<PolicyError> errors;

    public InvalidPolicyException(List<PolicyError> errors) {
        super(summary(errors));
        this.errors = errors.stream().sorted().toList();
    }

    public List<PolicyError> errors() {
        return errors;
    }

    private static String summary(List<PolicyError> errors) {
        return errors.size() == 1 ? "1 error: " + errors.get(0) : errors.size() + " errors, first: " + errors.stream().sorted().findFirst().orElseThrow();
    }
}
