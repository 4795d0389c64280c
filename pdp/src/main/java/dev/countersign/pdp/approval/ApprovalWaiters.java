package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.PendingApproval;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The callers waiting on this node for approvals to be decided: each wait is woken by the events of
 * its approval ({@link #wake}, whichever node the event happened on), reads the approval again, and
 * ends when it is decided, when its time is up, or when its caller has gone. At most
 * {@code approvals.max_waiters} wait at once ({@link ApprovalLimiter}).
 */
final class ApprovalWaiters {
    /** A caller waiting for a decision, resumed on its own context (its event loop). */
    private record Waiter(Context context, Promise<Void> woken) {
        void wake() {
            context.runOnContext(v -> woken.tryComplete());
        }
    }

    private final Vertx vertx;
    private final ApprovalLimiter limiter;
    private final Function<String, Future<PendingApproval>> read;
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();

    /** @param read the approval as it stands, or null when unknown */
    ApprovalWaiters(Vertx vertx, ApprovalLimiter limiter, Function<String, Future<PendingApproval>> read) {
        this.vertx = vertx;
        this.limiter = limiter;
        this.read = read;
    }

    /**
     * The approval once it is decided, or as it stands after {@code wait} or once {@code gone}
     * completes, whichever comes first. Fails with 429 {@code too_many_waiters} when
     * {@code approvals.max_waiters} callers wait on this node already; each place is given back when
     * its wait ends, however it ends.
     */
    Future<PendingApproval> await(String approvalId, Duration wait, Future<Void> gone) {
        if (!limiter.admitWaiter()) {
            return Future.failedFuture(limiter.tooManyWaiters());
        }
        AtomicBoolean left = new AtomicBoolean();
        gone.onComplete(v -> {
            left.set(true);   // before waking: a waiter registered after this sees it when it checks
            wake(approvalId);
        });
        Future<PendingApproval> waited;
        try {
            waited = awaitUntil(approvalId, System.currentTimeMillis() + wait.toMillis(), left);
        } catch (RuntimeException e) {
            waited = Future.failedFuture(e);
        }
        return waited.onComplete(done -> limiter.waiterGone());
    }

    /** Waits for a decision; an event that does not decide (a vote short of quorum, a creation) waits on. */
    private Future<PendingApproval> awaitUntil(String approvalId, long deadline, AtomicBoolean left) {
        Waiter waiter = new Waiter(vertx.getOrCreateContext(), Promise.promise());
        waiters.compute(approvalId, (id, list) -> {   // atomic with unregister, which drops an emptied list
            List<Waiter> waiting = list == null ? new CopyOnWriteArrayList<>() : list;
            waiting.add(waiter);
            return waiting;
        });
        return read.apply(approvalId).onFailure(e -> unregister(approvalId, waiter)).compose(current -> {
            long now = System.currentTimeMillis();
            if (current == null || current.status().isFinal() || now >= deadline || left.get()) {
                unregister(approvalId, waiter);
                return Future.succeededFuture(current);
            }
            long timer = vertx.setTimer(Math.max(1, Math.min(deadline, current.expiresAt().toEpochMilli() + 50) - now),
                    t -> waiter.woken().tryComplete());
            return waiter.woken().future().compose(v -> {
                vertx.cancelTimer(timer);
                unregister(approvalId, waiter);
                return awaitUntil(approvalId, deadline, left);
            });
        });
    }

    /** Wakes every wait for {@code approvalId} on this node, each to read the approval again. */
    void wake(String approvalId) {
        List<Waiter> waiting = approvalId == null ? null : waiters.get(approvalId);
        if (waiting != null) {
            waiting.forEach(Waiter::wake);
        }
    }

    /** The callers waiting now. */
    int waiting() {
        return limiter.waiters();
    }

    private void unregister(String approvalId, Waiter waiter) {
        waiters.computeIfPresent(approvalId, (id, list) -> {
            list.remove(waiter);
            return list.isEmpty() ? null : list;
        });
    }
}
