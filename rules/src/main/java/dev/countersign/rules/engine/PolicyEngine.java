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
    private long cutOffBefore;

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
        CompiledPolicy previous;
        synchronized (this) {
            previous = active.getAndSet(next);
            if (previous != null && previous != next) {
                cutOffBefore += previous.cutOffEvaluations();
            }
        }
        if (previous != null && previous != next) {
            previous.retire();
        }
        return previous;
    }

    /**
     * The decisions answered as cut off at the budget ({@link CompiledPolicy#cutOffEvaluations()}) by
     * every policy this engine has activated; never decreases. A policy's cut-offs after it was replaced
     * (evaluations in flight then) are not counted.
     */
    public synchronized long cutOffEvaluations() {
        return cutOffBefore + active.get().cutOffEvaluations();
    }
}
