package dev.countersign.rules.engine;

import dev.countersign.rules.Decision;
import dev.countersign.rules.model.ActionContext;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy that is deciding now, swapped atomically: an evaluation runs entirely on the policy it
 * started with, and a swapped-out policy frees its sessions as its last evaluations finish.
 */
public final class PolicyEngine {
    private final AtomicReference<CompiledPolicy> active;

    public PolicyEngine(CompiledPolicy initial) {
        this.active = new AtomicReference<>(initial);
    }

    public CompiledPolicy active() {
        return active.get();
    }

    public Decision decide(ActionContext context) {
        return active.get().evaluate(context);
    }

    public Decision decide(ActionContext context, String packagePrefix) {
        return active.get().evaluate(context, packagePrefix);
    }

    /** Makes {@code next} the deciding policy and retires the one it replaces, which is returned. */
    public CompiledPolicy activate(CompiledPolicy next) {
        CompiledPolicy previous = active.getAndSet(next);
        if (previous != null && previous != next) {
            previous.retire();
        }
        return previous;
    }
}
