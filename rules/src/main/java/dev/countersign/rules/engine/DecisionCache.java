package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.ActionContext;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decisions already made by one compiled policy, by action context and scope. A decision is a pure
 * function of its input and the revision (the compiler refuses rules that read the clock or
 * randomness), so an equal context is answered as before, with a decision id of its own. Bounded in
 * entries and in bytes ({@link CacheBounds}, each entry counted by {@link EntrySize}): when either
 * bound would be passed, it starts again empty, and an entry larger than the byte bound alone is not
 * kept. The bytes are reserved before an entry is kept, so the byte bound holds under any
 * concurrency; the entry bound may be passed by the number of threads keeping at the same instant. Safe to use from many threads; an entry kept by a thread racing a restart may land in the
 * generation being dropped, which is lost, never counted twice.
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

    /** The entries kept since the cache last started empty, and the bytes they are counted at. */
    private static final class Generation {
        final ConcurrentHashMap<Key, Answer> answers;
        final AtomicLong bytes = new AtomicLong();

        Generation(int capacity) {
            answers = new ConcurrentHashMap<>(Math.min(capacity, 1024));
        }
    }

    private final CacheBounds bounds;
    private volatile Generation current;
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();

    DecisionCache(CacheBounds bounds) {
        this.bounds = bounds;
        this.current = new Generation(bounds.entries());
    }

    /** A lookup key, computed once per decision. */
    Object key(ActionContext context, String scope) {
        return new Key(context, scope);
    }

    /** The earlier answer, with a new id, or null. */
    Decision find(Object key, String decisionId, String revision) {
        Answer a = current.answers.get(key);
        return a == null ? null : new Decision(decisionId, a.verdict(), a.reasons(), a.approval(), revision);
    }

    void keep(Object key, Decision decision) {
        Key k = (Key) key;
        Answer answer = new Answer(decision.verdict(), decision.reasons(), decision.approval());
        long size = EntrySize.of(k.context, k.scope, answer);
        if (size > bounds.bytes()) {
            tooLarge.incrementAndGet();
            return;
        }
        Generation g = current;
        while (true) {
            long before = g.bytes.get();
            if (g.answers.size() >= bounds.entries() || before + size > bounds.bytes()) {
                g = restart(g);
            } else if (g.bytes.compareAndSet(before, before + size)) {
                break;   // reserved: the byte bound holds whatever other threads keep meanwhile
            } else {
                g = current;
            }
        }
        if (g.answers.putIfAbsent(k, answer) != null) {
            g.bytes.addAndGet(-size);
        }
    }

    /** The generation after {@code full}: a new empty one, unless another thread has already started it. */
    private Generation restart(Generation full) {
        synchronized (this) {
            if (current == full) {
                current = new Generation(bounds.entries());
                restarts.incrementAndGet();
            }
            return current;
        }
    }

    /** The entries kept now. */
    int entries() {
        return current.answers.size();
    }

    /** The bytes the entries kept now are counted at (at most the byte bound). */
    long bytes() {
        return current.bytes.get();
    }

    /** How many times a bound made the cache start again empty. */
    long restarts() {
        return restarts.get();
    }

    /** Entries not kept because each alone was larger than the byte bound. */
    long tooLarge() {
        return tooLarge.get();
    }
}
