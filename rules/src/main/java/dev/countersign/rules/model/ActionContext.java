package dev.countersign.rules.model;

import java.util.Map;
import java.util.Objects;

/**
 * The context of one action, as a caller sends it. {@code action} is always present; the other
 * parts are null when the caller did not send them, and a rule pattern on an absent part does not
 * match (as an undefined reference in OPA). {@code attributes} holds the free top-level fields,
 * including any field this model has no property for.
 */
public record ActionContext(Actor actor, Action action, Resource resource, Target target, Context context,
                            Map<String, Object> attributes) implements Attributed {
    public ActionContext {
        Objects.requireNonNull(action, "action");
        attributes = Parts.attributes(attributes);
    }
}
