package dev.countersign.pdp.approval;

import dev.countersign.cluster.TamperedStateException;
import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.ApprovalStore;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.RedeemResult;
import dev.countersign.cluster.approval.Requester;
import dev.countersign.cluster.approval.Requirement;
import dev.countersign.cluster.approval.ReviewerVote;
import dev.countersign.cluster.approval.VoteResult;
import dev.countersign.cluster.approval.ApprovalLog;
import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.events.SinkNames;
import dev.countersign.pdp.events.WaiterSink;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.AuditTrail;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Caller;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The approval workflow, once for every API: holding a needs_approval action as a pending approval
 * (or finding the one already pending for the same ask), counting reviewers' votes, redeeming an
 * approved approval exactly once, expiring what nobody decided in time, and waiting for a decision.
 *
 * <p>Every transition happens atomically in the cluster ({@link ApprovalStore}) and records its
 * event in the approval's own entry; nothing here announces anything. An approval is created with
 * its sinks — the audit log, waiters on every node, each callback URL, each chat or webhook
 * destination its groups are routed to — and the member holding it delivers its events to them
 * ({@link dev.countersign.pdp.events.EventDispatcher}), which is how a waiter here is woken
 * ({@value dev.countersign.pdp.events.WaiterSink#ADDRESS}). Every member expires what it holds.
 */
public final class ApprovalService implements AutoCloseable {
    public static final String EVENTS = WaiterSink.ADDRESS;
    /** The reason rule of a decision that an approval decided (a grant used, or refused). */
    public static final String APPROVAL_RULE = "approval";
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalService.class);

    private final Vertx vertx;
    private final ApprovalStore store;
    private final ReviewerDirectory directory;
    private final AuditTrail audit;
    private final String node;
    private final ServerConfig.Approvals settings;
    private final ChatSettings chat;
    private final CallbackSink callbacks;
    private final ApprovalLimiter limiter;
    private final ApprovalWaiters waiters;
    private final AtomicBoolean expiring = new AtomicBoolean();
    private MessageConsumer<JsonObject> events;
    private long sweeper = -1;

    /**
     * @param callbacks the sink of callback URLs, whose destination rules a callback URL is checked against when given
     * @param chat where approvals are routed and when they are reminded
     */
    public ApprovalService(Vertx vertx, ApprovalStore store, CallbackSink callbacks, ReviewerDirectory directory, AuditTrail audit,
                           String node, ServerConfig.Approvals settings, ChatSettings chat) {
        this.vertx = vertx;
        this.store = store;
        this.directory = directory;
        this.audit = audit;
        this.node = node;
        this.settings = settings;
        this.chat = chat;
        this.callbacks = callbacks;
        this.limiter = new ApprovalLimiter(settings.limits());
        this.waiters = new ApprovalWaiters(vertx, limiter, this::get);
    }

    /** Listens for the events that wake waiters here, and starts sweeping expiry. */
    public Future<Void> start() {
        events = vertx.eventBus().consumer(EVENTS, message -> waiters.wake(message.body().getString("id")));
        sweeper = vertx.setPeriodic(settings.sweepInterval().toMillis(), tick -> sweep());
        return events.completion();
    }

    public ReviewerDirectory directory() {
        return directory;
    }

    public boolean callbacksEnabled() {
        return callbacks.enabled();
    }

    public Duration maxWait() {
        return settings.maxWait();
    }

    /** The workflow's limits, which {@link #hold} and {@link #await} apply, and the ttl cap a decision applies before holding. */
    public ApprovalLimiter limiter() {
        return limiter;
    }

    /**
     * Holds the action {@code decision} needs approval for: a new pending approval, or the one already
     * pending for the same ask (the same action context, asked by the same client within the same
     * package scope, needing the same approval). Answers the approval fields of the decision ({@code id}, {@code status},
     * {@code expires_at}). The client that asked is recorded: it may not approve, and only it redeems.
     * Fails, holding nothing, with 413 {@code context_too_large} when the masked context is over
     * {@code approvals.max_context_bytes}, and with 429 {@code too_many_pending} when the client already
     * has {@code approvals.max_pending_per_client} pending approvals, unless this very ask is one of them.
     * The count is read before the approval is created, so holds of one client racing on several
     * nodes may each pass it: the limit can be passed by the number of that client's holds in flight
     * at the same moment, never more.
     */
    public Future<Map<String, Object>> hold(Decision decision, ActionContext context, String contextHash, String scope,
                                            Caller caller, Map<String, Object> maskedInput, String callbackUrl) {
        Instant now = Instant.now();
        String actor = context.actor() == null ? null : context.actor().id();
        String onBehalfOf = context.actor() == null ? null : context.actor().onBehalfOf();
        Requirement requirement = requirement(decision);
        String askKey = askKey(contextHash, scope, requirement, caller.name());
        String kept = json(maskedInput);
        ApiError tooLarge = limiter.contextRefusal(kept.getBytes(StandardCharsets.UTF_8).length);
        if (tooLarge != null) {
            return Future.failedFuture(tooLarge);
        }
        Map<String, Object> decided = new LinkedHashMap<>();
        decided.put("verdict", decision.verdict().wireName());
        decided.put("reasons", DecisionService.reasons(decision.reasons()));
        PendingApproval proposed = PendingApproval.pending(ApprovalIds.next(), decision.decisionId(), node, now,
                new Requester(actor, onBehalfOf, caller.name(), caller.reviewer()), requirement, settings.distinctReviewers(), contextHash,
                kept,
                json(decided), decision.bundleRevision(), callbackUrl == null ? List.of() : List.of(callbackUrl), log(requirement));
        return admitted(caller.name(), askKey).compose(v -> fromCluster(store.create(proposed, askKey))).map(created -> {
            PendingApproval a = created.approval();
            Map<String, Object> extras = new LinkedHashMap<>();
            extras.put("id", a.id());
            extras.put("status", a.status().wireName());
            extras.put("expires_at", a.expiresAt().toString());
            if (created.reused()) {
                extras.put("reused", true);
            }
            return extras;
        });
    }

    /**
     * The id of the approval of this very ask (see {@link #hold}) when it is approved and its grant
     * unused; null otherwise. The grant is not taken here: {@link #redeem} takes it, once.
     */
    public Future<String> grantOfAsk(Decision decision, String contextHash, String scope, Caller caller) {
        String askKey = askKey(contextHash, scope, requirement(decision), caller.name());
        return fromCluster(store.latestFor(askKey)).map(a -> a != null && a.status() == ApprovalStatus.APPROVED && a.redeemedAt() == null
                ? a.id() : null);
    }

    /** Succeeds when {@code client} may hold another approval for {@code askKey}; else fails with 429 {@code too_many_pending}. */
    private Future<Void> admitted(String client, String askKey) {
        return vertx.executeBlocking(() -> store.pendingCountOf(client), false).compose(pending -> {
            if (!limiter.atPendingLimit(pending)) {
                return Future.succeededFuture();
            }
            return fromCluster(store.pendingFor(askKey)).compose(same -> same != null
                    ? Future.succeededFuture()   // this ask is pending already: answered with that approval, nothing new is held
                    : vertx.executeBlocking(() -> store.earliestExpiryOf(client), false).compose(earliest ->
                            Future.failedFuture(limiter.tooManyPending(client, pending, earliest, Instant.now()))));
        });
    }

    /**
     * Decides an action presented with an approval: allowed exactly once when the approval is approved
     * for this very action context (the grant is then used up); denied, with the reason, otherwise. A
     * deny of the rules still denies and leaves the grant unused; an action the rules allow anyway is
     * allowed without using it.
     */
    public Future<Redeemed> redeem(Decision byRules, String contextHash, String approvalId, Caller caller) {
        if (byRules.verdict() == Verdict.ALLOW) {
            return Future.succeededFuture(new Redeemed(byRules, null));
        }
        if (byRules.verdict() == Verdict.DENY) {
            return Future.succeededFuture(new Redeemed(withReason(byRules, Verdict.DENY, "approval " + approvalId
                    + " was not used: the rules deny this action whatever was approved"), null));
        }
        if (!ApprovalIds.looksValid(approvalId)) {
            return Future.succeededFuture(new Redeemed(deny(byRules, "approval " + approvalId + " is unknown"), null));
        }
        CompletionStage<RedeemResult> redeemed = store.redeem(approvalId, contextHash, byRules.decisionId(), requirement(byRules),
                caller.name());
        return fromCluster(redeemed).recover(failure -> unwrap(failure) instanceof TamperedStateException tampered
                ? Future.succeededFuture(new RedeemResult(false, tampered.getMessage(), null, null))
                : Future.failedFuture(failure)).map(result -> {
            if (result == null) {
                return new Redeemed(deny(byRules, "approval " + approvalId + " is unknown"), null);
            }
            if (!result.granted()) {
                return new Redeemed(deny(byRules, result.reason()), null);
            }
            PendingApproval a = result.approval();
            List<String> approvers = new ArrayList<>();
            a.votes().forEach(v -> approvers.add(v.reviewer()));
            List<Reason> reasons = new ArrayList<>();
            reasons.add(new Reason(APPROVAL_RULE, "", Verdict.ALLOW, "approved by " + String.join(", ", approvers)
                    + "; approval " + a.id() + " is now used", null));
            reasons.addAll(byRules.reasons());
            return new Redeemed(new Decision(byRules.decisionId(), Verdict.ALLOW, reasons, null, byRules.bundleRevision()), a);
        });
    }

    /** A decision on an action presented with an approval, and the approval whose grant it used (null when none was used). */
    public record Redeemed(Decision decision, PendingApproval grant) {
    }

    /**
     * Casts {@code reviewer}'s vote. Fails with {@link VoteRefused} when it does not count (not a
     * reviewer of a required group, self-approval, already voted otherwise, already decided), and
     * answers null when the approval is unknown.
     */
    public Future<PendingApproval> vote(String approvalId, String reviewer, Choice choice, String comment, String channel) {
        Set<String> groups = directory.groupsOf(reviewer);
        ReviewerVote vote = new ReviewerVote(reviewer, groups, choice, comment, Instant.now(), node, channel);
        return fromCluster(store.vote(approvalId, vote)).compose(result -> {
            if (result == null) {
                return Future.succeededFuture(null);
            }
            switch (result.outcome()) {
                case ACCEPTED, REPEATED -> {
                    return Future.succeededFuture(result.approval());
                }
                default -> {
                    auditRefusal(approvalId, vote, result);
                    return Future.failedFuture(new VoteRefused(result.outcome(), result.reason()));
                }
            }
        });
    }

    /**
     * Records a vote that did not count ({@code "event": "vote_refused"}, with the outcome such as
     * {@code self_approval}), so that attempts to approve one's own action are in the evidence. It
     * changes nothing in the approval, so it is no event of the approval's own.
     */
    private void auditRefusal(String approvalId, ReviewerVote vote, VoteResult result) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("type", "approval");
        record.put("event", "vote_refused");
        record.put("approval_id", approvalId);
        record.put("time", vote.at().toString());
        record.put("node", node);
        record.put("reviewer", vote.reviewer());
        record.put("vote", vote.choice().wireName());
        record.put("channel", vote.channel());
        record.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
        record.put("reason", result.reason());
        if (result.approval() != null) {
            record.put("status", result.approval().status().wireName());
            record.put("rules", ApprovalJson.rules(result.approval()));
            record.put("controls", ApprovalJson.controls(result.approval()));
        }
        audit.append(record);
    }

    /**
     * Whether {@code reviewer}'s {@code choice} would count on approval {@code approvalId} now, judged
     * by the workflow's own rules without casting it: null when it would, the refusal when not, and a
     * refusal of outcome {@code DECIDED} naming the id as unknown when there is no such approval. For
     * asking a reason before a deny is cast; the vote itself is judged again when cast.
     */
    public Future<VoteRefused> mayVote(String approvalId, String reviewer, Choice choice) {
        return get(approvalId).map(a -> {
            if (a == null) {
                return new VoteRefused(VoteResult.Outcome.DECIDED, "approval " + approvalId + " is unknown");
            }
            return refusal(a, reviewer, choice);
        });
    }

    /** As {@link #mayVote}, on {@code a} as the caller has it: null when the vote would count now, else why not. */
    public VoteRefused refusal(PendingApproval a, String reviewer, Choice choice) {
        VoteResult r = a.vote(new ReviewerVote(reviewer, directory.groupsOf(reviewer), choice, null, Instant.now(), node, null));
        return r.outcome() == VoteResult.Outcome.ACCEPTED ? null : new VoteRefused(r.outcome(), r.reason());
    }

    /**
     * Whether {@code caller} may see {@code a}: the client that asked for it, a reviewer of one of its
     * groups (only those), an admin, or the local caller of a node without clients. What a caller may
     * not see is answered as unknown.
     */
    public boolean visibleTo(PendingApproval a, Caller caller) {
        if (caller.isLocal() || caller.has(Scope.ADMIN)) {
            return true;
        }
        if (caller.name().equals(a.requester().client())) {
            return true;
        }
        if (caller.reviewer() != null) {
            Set<String> mine = directory.groupsOf(caller.reviewer());
            for (String group : a.requirement().groups()) {
                if (mine.contains(group)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The groups whose approvals {@code caller} may list; null for every group (admins, the local caller). */
    public Set<String> listableGroups(Caller caller) {
        if (caller.isLocal() || caller.has(Scope.ADMIN)) {
            return null;
        }
        return caller.reviewer() == null ? Set.of() : directory.groupsOf(caller.reviewer());
    }

    /** The approval as it stands, or null when unknown. */
    public Future<PendingApproval> get(String approvalId) {
        if (!ApprovalIds.looksValid(approvalId)) {
            return Future.succeededFuture(null);
        }
        return fromCluster(store.get(approvalId));
    }

    /**
     * The approval once it is decided, or as it stands after {@code wait}, whichever comes first. The
     * vote or expiry that decides it may happen on any node.
     */
    public Future<PendingApproval> await(String approvalId, Duration wait) {
        return await(approvalId, wait, Promise.<Void>promise().future());
    }

    /**
     * As {@link #await(String, Duration)}, ending early, with the approval as it stands, when
     * {@code gone} completes (the caller has left). Fails with 429 {@code too_many_waiters} when
     * {@code approvals.max_waiters} callers wait on this node already; each place is given back when
     * its wait ends, however it ends.
     */
    public Future<PendingApproval> await(String approvalId, Duration wait, Future<Void> gone) {
        return waiters.await(approvalId, wait, gone);
    }

    /** Approvals in {@code status} (all when null) that need one of {@code groups} (any when null), newest first. */
    public Future<List<PendingApproval>> list(ApprovalStatus status, Set<String> groups, int limit) {
        return fromCluster(store.list(status, groups, limit));
    }

    /** The callers waiting on this node for an approval to be decided. */
    public int waiting() {
        return waiters.waiting();
    }

    /** The number of pending approvals in the cluster (blocks: for metrics, off the event loop). */
    public long pendingCount() {
        return store.pendingCount();
    }

    /** Why {@code url} may not be a callback URL (see {@link CallbackDestinations}); null when it may. */
    public String callbackRefusal(String url) {
        return callbacks.refusal(url);
    }

    /** The log a new approval of {@code requirement} starts with: its sinks and its reminders. */
    private ApprovalLog log(Requirement requirement) {
        List<String> sinks = new ArrayList<>(List.of(SinkNames.AUDIT, SinkNames.WAITERS));
        sinks.addAll(chat.destinationsOf(requirement.groups()));
        ChatSettings.Reminders reminders = chat.reminders();
        return ApprovalLog.of(sinks, reminders.after(), reminders.every());
    }

    /** The destinations an approval's first reminder adds: the escalation of each group still short of its quorum. */
    public List<String> escalation(PendingApproval a) {
        List<String> shortGroups = new ArrayList<>();
        Map<String, Integer> approvals = a.approvals();
        a.requirement().quorum().forEach((group, quorum) -> {
            if (approvals.getOrDefault(group, 0) < quorum) {
                shortGroups.add(group);
            }
        });
        return chat.escalationOf(shortGroups);
    }

    /**
     * Expires what this member owns past its expiry (the expiry is an event, delivered like every
     * other). A sweep still running when the next is due is not overlapped: the next tick skips it.
     */
    private void sweep() {
        if (expiring.compareAndSet(false, true)) {
            vertx.executeBlocking(store::expireOwnDue, false)
                    .onFailure(failure -> LOG.warn("sweeping expired approvals failed: {}", failure.toString()))
                    .onComplete(done -> expiring.set(false));
        }
    }

    /** The stage as a future on the caller's context; a seal failure found on the way is audited. */
    private <T> Future<T> fromCluster(CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext()).onFailure(failure -> {
            if (unwrap(failure) instanceof TamperedStateException tampered) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("type", "approval");
                record.put("event", "tampered");
                record.put("approval_id", tampered.id());
                record.put("time", Instant.now().toString());
                record.put("node", node);
                record.put("error", tampered.getMessage());
                audit.append(record);
            }
        });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static Requirement requirement(Decision d) {
        return new Requirement(d.approval().groups(), d.approval().quorum(), d.approval().ttl());
    }

    /** One ask: the action context, the package scope it was decided in, the approval it needs and the client that asked. */
    private static String askKey(String contextHash, String scope, Requirement requirement, String client) {
        return contextHash + '|' + scope + '|' + new java.util.TreeMap<>(requirement.quorum()) + '|' + requirement.ttl() + '|' + client;
    }

    private static Decision deny(Decision byRules, String why) {
        return withReason(byRules, Verdict.DENY, why);
    }

    private static Decision withReason(Decision d, Verdict verdict, String why) {
        List<Reason> reasons = new ArrayList<>();
        reasons.add(new Reason(APPROVAL_RULE, "", verdict, why, null));
        reasons.addAll(d.reasons());
        return new Decision(d.decisionId(), verdict, reasons, null, d.bundleRevision());
    }

    private static String json(Map<String, Object> value) {
        return new String(Json.write(g -> JsonValues.write(g, value, false)), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        if (events != null) {
            events.unregister();
        }
    }
}
