package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.pdp.decision.Decided;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.Envelope;
import dev.countersign.pdp.http.Caller;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An action that must not run until it may, as callers that cannot redeem a grant themselves need
 * it (an MCP tool call, a coding agent's hook): decided; when held, waited for up to a bound; when
 * approved in that time, redeemed at once (the grant is used, exactly once, cluster-wide); and
 * answered as one {@link Gated} outcome with a sentence the agent can be shown. Everything goes
 * through {@link DecisionService} and {@link ApprovalService}, so approvals, cards, callbacks and
 * the audit log behave as for {@code POST /v1/decisions}.
 *
 * <p>Retries: the same call asked again (same client, same action context) while its approval is
 * pending joins that approval; once it is approved, the next identical call uses its grant (with or
 * without the approval id as a hint); a call presenting the id of an approval already used, denied
 * or expired is answered by that approval (refused), never held again under the same id.
 */
public final class HeldActions {
    /** How a gated action ended. Only {@code ALLOWED} may run. */
    public enum Outcome { ALLOWED, DENIED, REVIEW_DENIED, EXPIRED, PENDING }

    /**
     * The outcome, the decision that answered it (the last one: the redeeming decision for an action
     * approved while waiting), the approval involved (null when none), and the text for the agent.
     */
    public record Gated(Outcome outcome, Decided decided, String approvalId, String message) {
        public boolean allowed() {
            return outcome == Outcome.ALLOWED;
        }
    }

    /** Told, about every {@code interval} while an action waits, how long it has waited and may wait. */
    public interface Progress {
        Progress NONE = (approvalId, waited, total) -> { };

        void waited(String approvalId, long waitedMillis, long totalMillis);
    }

    private final Vertx vertx;
    private final DecisionService decisions;
    private final Duration progressInterval;
    private final dev.countersign.pdp.decision.AuditTrail audit;
    private final String node;

    /** @param audit where what became of an allowed action (run, or failed to run) is recorded, beside its decision */
    public HeldActions(Vertx vertx, DecisionService decisions, Duration progressInterval, dev.countersign.pdp.decision.AuditTrail audit,
                       String node) {
        this.vertx = vertx;
        this.decisions = decisions;
        this.progressInterval = progressInterval;
        this.audit = audit;
        this.node = node;
    }

    /**
     * Records, after the decision that allowed it, what became of the action: {@code event}
     * ({@code forwarded}, {@code upstream_unavailable}...) with {@code details}, as an audit record
     * {@code {type: "agent_call", decision_id, approval_id?, via, event, ...}}.
     */
    public void recordOutcome(Gated gated, String via, String event, java.util.Map<String, Object> details) {
        java.util.Map<String, Object> record = new java.util.LinkedHashMap<>();
        record.put("type", "agent_call");
        record.put("event", event);
        record.put("decision_id", gated.decided().decision().decisionId());
        if (gated.approvalId() != null) {
            record.put("approval_id", gated.approvalId());
        }
        record.put("time", java.time.Instant.now().toString());
        record.put("node", node);
        record.put("via", via);
        record.putAll(details);
        audit.append(record);
    }

    /**
     * Decides {@code context} (the rules of {@code scope}, asked by {@code caller} through {@code via})
     * and, when it is held, waits for its reviewers up to {@code wait} (capped by
     * {@code approvals.max_wait}), telling {@code progress}, and ending early when {@code gone}
     * completes. {@code approvalHint} is the approval id the caller was given for this call, if any.
     * Fails as {@link DecisionService#decide} and {@link ApprovalService#await} fail.
     */
    public Future<Gated> decide(ActionContext context, String scope, Caller caller, String via, String approvalHint, Duration wait,
                                Progress progress, Future<Void> gone) {
        return decide(context, Set.of(), scope, caller, via, approvalHint, wait, progress, gone);
    }

    /**
     * As {@link #decide(ActionContext, String, Caller, String, String, Duration, Progress, Future)},
     * with the context attributes {@code unbound} recorded but not part of what the approval is bound
     * to (an identical call that differs in them is the same ask).
     */
    public Future<Gated> decide(ActionContext context, Set<String> unbound, String scope, Caller caller, String via, String approvalHint,
                                Duration wait, Progress progress, Future<Void> gone) {
        return envelope(approvalHint, caller)
                .compose(envelope -> decisions.decide(context, scope, caller, via, envelope.unbinding(unbound)))
                .compose(decided -> switch (decided.decision().verdict()) {
                    case ALLOW -> Future.succeededFuture(allowed(decided));
                    case DENY -> Future.succeededFuture(denied(decided));
                    case NEEDS_APPROVAL -> awaitReview(context, unbound, scope, caller, via, decided, wait, progress, gone);
                });
    }

    /** The approval named by the hint is redeemed (or refused) as named once it is no longer pending; otherwise the ask's own grant is used or it is held. */
    private Future<Envelope> envelope(String hint, Caller caller) {
        if (hint == null || decisions.approvals() == null || !ApprovalIds.looksValid(hint)) {
            return Future.succeededFuture(Envelope.ASK_GRANT);
        }
        return decisions.approvals().get(hint).map(a -> a != null && decisions.approvals().visibleTo(a, caller)
                && a.status() != ApprovalStatus.PENDING ? new Envelope(hint, null) : Envelope.ASK_GRANT);
    }

    private Future<Gated> awaitReview(ActionContext context, Set<String> unbound, String scope, Caller caller, String via, Decided held,
                                      Duration wait, Progress progress, Future<Void> gone) {
        String id = (String) held.approvalExtras().get("id");
        ApprovalService approvals = decisions.approvals();
        Duration bounded = wait.compareTo(approvals.maxWait()) > 0 ? approvals.maxWait() : wait;
        if (id == null || bounded.isZero() || bounded.isNegative()) {
            return Future.succeededFuture(pending(held, id));
        }
        long started = System.currentTimeMillis();
        long total = bounded.toMillis();
        long ticker = vertx.setPeriodic(Math.max(1, progressInterval.toMillis()),
                tick -> progress.waited(id, System.currentTimeMillis() - started, total));
        progress.waited(id, 0, total);
        return approvals.await(id, bounded, gone).onComplete(done -> vertx.cancelTimer(ticker)).compose(a -> {
            if (a == null || a.status() == ApprovalStatus.PENDING) {
                return Future.succeededFuture(pending(held, id));
            }
            return switch (a.status()) {
                case APPROVED -> decisions.decide(context, scope, caller, via, new Envelope(id, null).unbinding(unbound))
                        .map(redeemed -> redeemed.decision().verdict() == Verdict.ALLOW ? allowed(redeemed) : denied(redeemed));
                case DENIED -> Future.succeededFuture(new Gated(Outcome.REVIEW_DENIED, held, id, reviewDenied(a)));
                default -> Future.succeededFuture(new Gated(Outcome.EXPIRED, held, id, "approval " + id + " expired at " + a.expiresAt()
                        + " before its reviewers (" + String.join(", ", a.requirement().groups()) + ") decided; the call was not run"));
            };
        });
    }

    private static Gated allowed(Decided decided) {
        Object id = decided.approvalExtras().get("id");
        return new Gated(Outcome.ALLOWED, decided, id instanceof String s ? s : null, describe(decided, Verdict.ALLOW));
    }

    private static Gated denied(Decided decided) {
        Object id = decided.approvalExtras().get("id");
        return new Gated(Outcome.DENIED, decided, id instanceof String s ? s : null, "Countersign denied this call: "
                + describe(decided, Verdict.DENY));
    }

    private static Gated pending(Decided held, String id) {
        List<String> groups = held.decision().approval() == null ? List.of() : held.decision().approval().groups();
        return new Gated(Outcome.PENDING, held, id, "approval " + id + " is pending with the reviewers of " + String.join(", ", groups)
                + " (" + describe(held, Verdict.NEEDS_APPROVAL) + "); the call was not run: retry the same call once it is approved,"
                + " and it will run once");
    }

    /** Who denied and why. */
    private static String reviewDenied(PendingApproval a) {
        StringBuilder b = new StringBuilder("approval ").append(a.id()).append(" was denied by ").append(a.decidedBy());
        for (Vote v : a.votes()) {
            if (v.choice() == Choice.DENY && v.reviewer().equals(a.decidedBy()) && v.comment() != null && !v.comment().isBlank()) {
                b.append(": ").append(v.comment());
            }
        }
        return b.append("; the call was not run").toString();
    }

    /** The reasons of {@code verdict}: each rule, its package and its message, "; "-separated. */
    private static String describe(Decided decided, Verdict verdict) {
        List<String> parts = new ArrayList<>();
        for (Reason r : decided.decision().reasons()) {
            if (r.verdict() == verdict) {
                String in = r.packageName() == null || r.packageName().isEmpty() ? "" : " (" + r.packageName() + ")";
                parts.add("rule \"" + r.rule() + "\"" + in + (r.message() == null || r.message().isEmpty() ? "" : ": " + r.message()));
            }
        }
        return parts.isEmpty() ? verdict.wireName() : String.join("; ", parts);
    }
}
