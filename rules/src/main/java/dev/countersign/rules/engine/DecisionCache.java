package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.ActionContext;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decisions already made by one compiled policy, by action context and scope. A decision is a pure
 * function of its input and the revision (the compiler refuses rules that read the clock or
 * randomness), so an equal context is answered as before, with a decision id of its own. Bounded:
 * when full, it starts again empty. Safe to use from many threads.
 */
final class DecisionCache {
    /** What a decision says, without its id. */
    record Answer(Verdict verdict, List<Reason> reasons, ApprovalRequirement approval) {
    }

    private static final class Key {
        private final ActionContext context;
        private final String scope;
        private final int hash;

        Key(ActionContext context, String scope) {
            this.context = context;
            this.scope = scope;
            this.hash = 31 * context.hashCode() + scope.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.scope.equals(scope) && k.context.equals(context);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final int capacity;
    private final ConcurrentHashMap<Key, Answer> answers;

    DecisionCache(int capacity) {
        this.capacity = capacity;
        this.answers = new ConcurrentHashMap<>(Math.min(capacity, 1024));
    }

    /** A lookup key, computed once per decision. */
    Object key(ActionContext context, String scope) {
        return new Key(context, scope);
    }

    /** The earlier answer, with a new id, or null. */
    Decision find(Object key, String decisionId, String revision) {
        Answer a = answers.get(key);
        return a == null ? null : new Decision(decisionId, a.verdict(), a.reasons(), a.approval(), revision);
    }

    void keep(Object key, Decision decision) {
        if (answers.size() >= capacity) {
            answers.clear();
        }
        answers.put((Key) key, new Answer(decision.verdict(), decision.reasons(), decision.approval()));
    }
}
