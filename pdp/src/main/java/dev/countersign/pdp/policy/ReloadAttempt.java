package dev.countersign.pdp.policy;

import dev.countersign.rules.PolicyError;
import java.time.Instant;
import java.util.List;

/**
 * One attempt to load the bundle: when, why (startup, a change on disk, the API), what came of it,
 * the revision it found, the errors that kept it from being activated, and how long it took.
 */
public record ReloadAttempt(Instant time, String trigger, Outcome outcome, String revision, int rules,
                            List<PolicyError> errors, long durationMillis) {
    public ReloadAttempt {
        errors = List.copyOf(errors);
    }

    public enum Outcome {
        /** The bundle compiled, its rule tests passed, and it now decides. */
        ACTIVATED,
        /** The bundle's content is that of the active revision; nothing changed. */
        UNCHANGED,
        /** The bundle did not compile or its rule tests failed; the previous revision keeps deciding. */
        REJECTED
    }
}
