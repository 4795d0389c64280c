package dev.countersign.pdp.decision;

import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.evidence.Attestor;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Caller;
import dev.countersign.pdp.metrics.ServerMetrics;
import dev.countersign.pdp.policy.PolicyService;
import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.json.ActionContextJson;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deciding one action, the one way every endpoint does it: evaluate with the active policy; hold a
 * needs_approval action as a pending approval (or redeem the approval presented with it); count it;
 * keep its record for {@code GET /v1/decisions/{id}}; and append it to the audit trail with the input
 * masked. {@code via} says which API asked (decisions, data_api, forward_auth).
 */
public final class DecisionService {
    private final PolicyService policies;
    private final DecisionRecords records;
    private final AuditTrail audit;
    private final InputMask mask;
    private final ServerMetrics metrics;
    private final String node;
    private final ApprovalService approvals;
    private final ContextHash hash;
    private final boolean refuseUnrecorded;
    private final Attestor attestor;
    private final boolean signAll;

    public DecisionService(PolicyService policies, DecisionRecords records, AuditTrail audit, InputMask mask,
                           ServerMetrics metrics, String node, ApprovalService approvals, ContextHash hash) {
        this(policies, records, audit, mask, metrics, node, approvals, hash, true);
    }

    /**
     * @param refuseUnrecorded {@code audit.on_failure: refuse}: a decision whose record the audit log
     *                         cannot take is not answered; the caller gets 503 {@code audit_unavailable}
     */
    public DecisionService(PolicyService policies, DecisionRecords records, AuditTrail audit, InputMask mask,
                           ServerMetrics metrics, String node, ApprovalService approvals, ContextHash hash, boolean refuseUnrecorded) {
        this(policies, records, audit, mask, metrics, node, approvals, hash, refuseUnrecorded, null, false);
    }

    /**
     * @param attestor signs the attestation of each allow that redeems an approval (null: none is signed)
     * @param signAll {@code attestation.sign: all}: every other allow is signed too
     */
    public DecisionService(PolicyService policies, DecisionRecords records, AuditTrail audit, InputMask mask,
                           ServerMetrics metrics, String node, ApprovalService approvals, ContextHash hash, boolean refuseUnrecorded,
                           Attestor attestor, boolean signAll) {
        this.attestor = attestor;
        this.signAll = signAll && attestor != null;
        this.refuseUnrecorded = refuseUnrecorded;
        this.policies = policies;
        this.records = records;
        this.audit = audit;
        this.mask = mask;
        this.metrics = metrics;
        this.node = node;
        this.approvals = approvals;
        this.hash = hash;
    }

    /** Decides {@code context} with the rules of {@code scope} ("" for all), as asked by {@code caller} through {@code via}. */
    public Future<Decided> decide(ActionContext context, String scope, Caller caller, String via) {
        return decide(context, scope, caller, via, Envelope.NONE);
    }

    /** As {@link #decide(ActionContext, String, Caller, String)}, redeeming or asking to be called back as {@code envelope} says. */
    public Future<Decided> decide(ActionContext context, String scope, Caller caller, String via, Envelope envelope) {
        if (refuseUnrecorded && !audit.accepting()) {
            metrics.unrecorded();
            return Future.failedFuture(unrecorded());   // before anything is held or redeemed
        }
        CompiledPolicy policy = policies.active();
        long started = System.nanoTime();
        Decision byRules = policy.evaluate(context, scope);
        long nanos = System.nanoTime() - started;
        Map<String, Object> tree = ActionContextJson.toTree(context);
        Map<String, Object> input = mask.apply(tree);
        String inputHash = hash.of(envelope.unboundContext().isEmpty() ? tree : bound(tree, envelope.unboundContext()));
        Future<Decided> decided;
        if (envelope.approvalId() != null && approvals != null) {
            decided = redeemed(byRules, inputHash, envelope.approvalId(), caller, context, tree);
        } else if (byRules.verdict() == Verdict.NEEDS_APPROVAL && approvals != null) {
            Decision held = approvals.limiter().capTtl(byRules);   // approvals.max_ttl, said in a reason when it applies
            Future<String> grant = envelope.usesAskGrant() ? approvals.grantOfAsk(held, inputHash, scope, caller)
                    : Future.succeededFuture(null);
            decided = grant.compose(grantId -> grantId != null
                    ? redeemed(byRules, inputHash, grantId, caller, context, tree)
                    : approvals.hold(held, context, inputHash, scope, caller, input, envelope.callbackUrl())
                            .map(extras -> new Decided(held, extras)));
        } else {
            decided = signAll && byRules.verdict() == Verdict.ALLOW
                    ? offLoop(() -> attestor.allowed(byRules, context, tree)).map(token -> new Decided(byRules, Map.of(), token))
                    : Future.succeededFuture(new Decided(byRules, Map.of()));
        }
        if (decided.succeeded()) {   // decided on this turn, as every decision that holds and redeems nothing is
            return recorded(decided.result(), input, inputHash, scope, caller, via, nanos);
        }
        return decided.compose(d -> recorded(d, input, inputHash, scope, caller, via, nanos));
    }

    /** {@code d} once kept for {@code GET /v1/decisions/{id}} and queued for the audit log (or refused as unrecorded). */
    private Future<Decided> recorded(Decided d, Map<String, Object> input, String inputHash, String scope, Caller caller, String via,
                                     long nanos) {
        Map<String, Object> record = record(d, input, inputHash, scope, caller, via, nanos);
        String id = d.decision().decisionId();
        records.put(id, record);   // before the writer may compact it; unanswered, its id is known to no one
        boolean queued = audit.append(record, json -> records.compact(id, json));
        if (!queued && refuseUnrecorded) {
            metrics.unrecorded();
            return Future.failedFuture(unrecorded());
        }
        if (queued && audit.forcesEachBatch()) {
            return forced(d, nanos);
        }
        metrics.decision(d.decision().verdict(), nanos);
        return Future.succeededFuture(d);
    }

    /**
     * {@code audit.fsync: per_batch}: {@code d} once its record is forced to the device, completed on
     * the caller's context without blocking it; when the force fails, refused as unrecorded (or, with
     * {@code audit.on_failure: allow}, answered all the same).
     */
    private Future<Decided> forced(Decided d, long nanos) {
        Context context = Vertx.currentContext();
        Future<Void> written = context == null ? Future.fromCompletionStage(audit.written())
                : Future.fromCompletionStage(audit.written(), context);
        return written.transform(forced -> {
            if (forced.failed() && refuseUnrecorded) {
                metrics.unrecorded();
                return Future.failedFuture(unrecorded());
            }
            metrics.decision(d.decision().verdict(), nanos);
            return Future.succeededFuture(d);
        });
    }

    /** {@code tree} without the context attributes {@code unbound}: what an approval is bound to. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> bound(Map<String, Object> tree, java.util.Set<String> unbound) {
        if (!(tree.get("context") instanceof Map<?, ?> context)) {
            return tree;
        }
        Map<String, Object> kept = new LinkedHashMap<>((Map<String, Object>) context);
        kept.keySet().removeAll(unbound);
        Map<String, Object> copy = new LinkedHashMap<>(tree);
        if (kept.isEmpty()) {
            copy.remove("context");
        } else {
            copy.put("context", kept);
        }
        return copy;
    }

    /** 503: the audit log cannot take a record now, so no decision is answered. */
    private static ApiError unrecorded() {
        return ApiError.unavailable("audit_unavailable", "the audit log cannot take this decision's record now (its disk is"
                + " failing or full, or it is far behind), so no decision is answered without one; try again shortly", 1);
    }

    public ApprovalService approvals() {
        return approvals;
    }

    /**
     * {@code signing}'s token, computed on a worker thread when called on a Vert.x context (an ES256 signature takes
     * a fraction of a millisecond of CPU, which the event loop does not spend), else here.
     */
    private static Future<String> offLoop(java.util.function.Supplier<String> signing) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Future.succeededFuture(signing.get());
        }
        return context.executeBlocking(signing::get, false);
    }

    /** The attestation of a redemption that used its grant; of any other allow under {@code sign: all}; else null. */
    /** The decision that redeems {@code approvalId} for this context, attested when it is an allow this node signs. */
    private Future<Decided> redeemed(Decision byRules, String inputHash, String approvalId, Caller caller, ActionContext context,
                                     Map<String, Object> tree) {
        return approvals.redeem(byRules, inputHash, approvalId, caller)
                .compose(r -> (attestor != null && r.decision().verdict() == Verdict.ALLOW && (r.grant() != null || signAll)
                        ? offLoop(() -> attest(r, context, tree)) : Future.<String>succeededFuture(null))
                        .map(token -> new Decided(r.decision(), Map.of("id", approvalId), token)));
    }

    private String attest(ApprovalService.Redeemed r, ActionContext context, Map<String, Object> tree) {
        if (attestor == null || r.decision().verdict() != Verdict.ALLOW) {
            return null;
        }
        if (r.grant() != null) {
            return attestor.redeemed(r.decision(), r.grant(), context, tree);
        }
        return signAll ? attestor.allowed(r.decision(), context, tree) : null;
    }

    /** The recorded decision, or a null result. */
    public Future<Map<String, Object>> find(String decisionId) {
        return records.get(decisionId);
    }

    public PolicyService policies() {
        return policies;
    }

    private Map<String, Object> record(Decided decided, Map<String, Object> input, String inputHash, String scope, Caller caller,
                                       String via, long nanos) {
        Decision d = decided.decision();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "decision");
        r.put("decision_id", d.decisionId());
        r.put("time", Instant.now());   // written as ISO-8601 text, by the audit writer rather than here
        r.put("node", node);
        r.put("caller", caller.name());
        r.put("via", via);
        if (!scope.isEmpty()) {
            r.put("package", scope);
        }
        r.put("input", input);
        r.put("input_hash", inputHash);
        r.put("verdict", d.verdict().wireName());
        r.put("reasons", new WireReasons(d.reasons()));
        if (d.approval() != null) {
            r.put("approval", approval(d.approval(), decided.approvalExtras()));
        } else if (!decided.approvalExtras().isEmpty()) {
            r.put("approval", decided.approvalExtras());
        }
        r.put("bundle_revision", d.bundleRevision());
        if (decided.attestation() != null) {
            // The token goes only to the client that asked (its context hash is plain SHA-256 of the unmasked context):
            // the log keeps which key signed it and the token's own hash, so a token shown later can be matched to it.
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("kid", attestor.keys().currentKid());
            a.put("token_sha256", Attestor.tokenHash(decided.attestation()));
            r.put("attestation", a);
        }
        r.put("evaluation_us", nanos / 1000.0);
        return r;
    }

    /** Reasons as plain maps, in wire form. */
    public static List<Object> reasons(List<Reason> reasons) {
        List<Object> list = new ArrayList<>(reasons.size());
        for (Reason reason : reasons) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", reason.rule());
            m.put("package", reason.packageName());
            m.put("verdict", reason.verdict().wireName());
            m.put("message", reason.message());
            if (reason.source() != null) {
                m.put("source", reason.source());
            }
            m.put("controls", reason.controls());
            list.add(m);
        }
        return list;
    }

    /** An approval requirement as a plain map in wire form, after the workflow's own fields. */
    public static Map<String, Object> approval(ApprovalRequirement a, Map<String, Object> extras) {
        Map<String, Object> m = new LinkedHashMap<>(extras);
        m.put("groups", a.groups());
        m.put("quorum", a.quorum());
        m.put("ttl", a.ttl().toString());
        return m;
    }
}
