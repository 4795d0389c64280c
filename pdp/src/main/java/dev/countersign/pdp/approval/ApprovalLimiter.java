package dev.countersign.pdp.approval;

import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The approval workflow's limits ({@link ServerConfig.ApprovalLimits}) and what each does when it is
 * reached: a ttl longer than {@code approvals.max_ttl} is capped, and the decision says so; a
 * context over {@code approvals.max_context_bytes} is refused 413 {@code context_too_large}; a client
 * with {@code approvals.max_pending_per_client} pending approvals is refused 429
 * {@code too_many_pending}; a wait past {@code approvals.max_waiters} on this node is refused 429
 * {@code too_many_waiters}. Counts how often each applied, by the setting's name.
 */
public final class ApprovalLimiter {
    /** The longest {@code Retry-After} a refusal for too many pending approvals names. */
    static final long MAX_PENDING_RETRY_SECONDS = 60;

    private final ServerConfig.ApprovalLimits limits;
    private final AtomicInteger waiters = new AtomicInteger();
    private final Map<String, LongAdder> applied = new LinkedHashMap<>();

    public ApprovalLimiter(ServerConfig.ApprovalLimits limits) {
        this.limits = limits;
        for (String limit : List.of("max_pending_per_client", "max_ttl", "max_context_bytes", "max_waiters")) {
            applied.put(limit, new LongAdder());
        }
    }

    public ServerConfig.ApprovalLimits limits() {
        return limits;
    }

    /**
     * {@code d} with its approval's ttl capped at {@code approvals.max_ttl}, a reason of rule
     * {@value ApprovalService#APPROVAL_RULE} saying so placed after the needs_approval reasons; {@code d}
     * itself when its ttl is within the limit or it needs no approval.
     */
    public Decision capTtl(Decision d) {
        ApprovalRequirement a = d.approval();
        if (a == null || a.ttl().compareTo(limits.maxTtl()) <= 0) {
            return d;
        }
        applied.get("max_ttl").increment();
        ApprovalRequirement capped = new ApprovalRequirement(a.groups(), a.quorum(), limits.maxTtl());
        List<Reason> reasons = new ArrayList<>(d.reasons());
        int at = 0;
        while (at < reasons.size() && reasons.get(at).verdict() == Verdict.NEEDS_APPROVAL) {
            at++;
        }
        reasons.add(at, new Reason(ApprovalService.APPROVAL_RULE, "", Verdict.NEEDS_APPROVAL,
                "ttl " + a.ttl() + " capped to " + limits.maxTtl() + " by approvals.max_ttl", null));
        return new Decision(d.decisionId(), d.verdict(), reasons, capped, d.bundleRevision());
    }

    /** The refusal of a context whose masked JSON is {@code bytes} long, or null when it may be kept. */
    ApiError contextRefusal(long bytes) {
        if (bytes <= limits.maxContextBytes()) {
            return null;
        }
        applied.get("max_context_bytes").increment();
        return new ApiError(413, "context_too_large", "the action context is " + bytes + " bytes as it would be kept with the"
                + " approval (masked JSON), more than approvals.max_context_bytes (" + limits.maxContextBytes() + "); nothing was held", "/");
    }

    /** Whether {@code client}, with {@code pending} approvals pending, has reached its limit. */
    boolean atPendingLimit(long pending) {
        return pending >= limits.maxPendingPerClient();
    }

    /** The refusal of a new approval for {@code client}, whose earliest pending approval expires at {@code earliestExpiry} (may be null). */
    ApiError tooManyPending(String client, long pending, Instant earliestExpiry, Instant now) {
        applied.get("max_pending_per_client").increment();
        long retry = earliestExpiry == null ? 1
                : Math.min(MAX_PENDING_RETRY_SECONDS, Math.max(1, (Duration.between(now, earliestExpiry).toMillis() + 999) / 1000));
        return ApiError.tooMany("too_many_pending", "client " + client + " has " + pending + " pending approvals, the most"
                + " approvals.max_pending_per_client (" + limits.maxPendingPerClient() + ") allows; one frees when it is decided or"
                + " expires" + (earliestExpiry == null ? "" : " (the earliest expires at " + earliestExpiry + ")") + "; nothing was held",
                retry);
    }

    /** Takes a waiter's place on this node; false (counted) when {@code approvals.max_waiters} are waiting already. */
    boolean admitWaiter() {
        if (waiters.incrementAndGet() > limits.maxWaiters()) {
            waiters.decrementAndGet();
            applied.get("max_waiters").increment();
            return false;
        }
        return true;
    }

    /** Gives back a place {@link #admitWaiter} took. */
    void waiterGone() {
        waiters.decrementAndGet();
    }

    /** The callers holding a waiter's place now. */
    int waiters() {
        return waiters.get();
    }

    ApiError tooManyWaiters() {
        return ApiError.tooMany("too_many_waiters", limits.maxWaiters() + " callers are already waiting on this node for approvals to"
                + " be decided, the most approvals.max_waiters allows; ask again without wait, or wait later", 1);
    }

    /** How many times each limit applied (refused, or for max_ttl capped), by its setting's name. */
    public Map<String, Long> applied() {
        Map<String, Long> counts = new LinkedHashMap<>();
        applied.forEach((limit, count) -> counts.put(limit, count.sum()));
        return counts;
    }
}
