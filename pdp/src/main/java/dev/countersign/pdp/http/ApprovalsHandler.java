package dev.countersign.pdp.http;

import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.VoteResult;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.approval.ApprovalJson;
import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.approval.VoteRefused;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/approvals/{id}} (optionally {@code ?wait=30s}: answered as soon as it is decided,
 * wherever the deciding vote lands; 429 {@code too_many_waiters} past {@code approvals.max_waiters} on this node), {@code GET /v1/approvals?status=pending&group=...}, and
 * {@code POST /v1/approvals/{id}/votes} with {@code {"vote": "approve"|"deny", "comment": "..."}},
 * cast as the calling client's reviewer identity. An approval exists only for those who may see it
 * ({@link ApprovalService#visibleTo}): to anyone else it is answered 404 like an unknown id, and
 * listings show a reviewer the approvals of their own groups only.
 */
public final class ApprovalsHandler {
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m)");
    private static final int MAX_COMMENT = 2000;
    private static final int MAX_LIST = 500;
    private static final java.util.Set<String> VOTE_FIELDS = java.util.Set.of("vote", "comment");

    private final ApprovalService approvals;
    private final ActionContextReader votes = new ActionContextReader();

    public ApprovalsHandler(ApprovalService approvals) {
        this.approvals = approvals;
    }

    /** An approval, to its requesting client, the reviewers of its groups and admins; to anyone else it does not exist. */
    public void getApproval(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        String waitParam = ctx.request().getParam("wait");
        Duration wait = waitParam == null ? Duration.ZERO : wait(waitParam);
        approvals.get(id).compose(a -> {
                    if (a == null || !approvals.visibleTo(a, caller)) {
                        return Future.<PendingApproval>succeededFuture(null);
                    }
                    if (wait.isZero()) {
                        return Future.succeededFuture(a);
                    }
                    io.vertx.core.Promise<Void> gone = io.vertx.core.Promise.promise();
                    ctx.response().closeHandler(v -> gone.tryComplete());   // a caller that leaves gives its waiter's place back
                    return approvals.await(id, wait, gone.future());
                })
                .onSuccess(a -> {
                    if (a == null) {
                        ctx.fail(unknown(id));
                    } else {
                        Responses.value(ctx, 200, ApprovalJson.forApi(a));
                    }
                }).onFailure(ctx::fail);
    }

    private static ApiError unknown(String id) {
        return ApiError.notFound("no approval " + id);
    }

    public void listApprovals(RoutingContext ctx) {
        String statusParam = ctx.request().getParam("status");
        ApprovalStatus status = statusParam == null ? null : ApprovalStatus.fromWire(statusParam);
        if (statusParam != null && status == null) {
            throw ApiError.badRequest("invalid_parameter", "status must be one of pending, approved, denied, expired", "status");
        }
        String group = ctx.request().getParam("group");
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        java.util.Set<String> listable = approvals.listableGroups(caller);
        java.util.Set<String> groups = group == null ? listable
                : listable == null || listable.contains(group) ? java.util.Set.of(group) : java.util.Set.of();
        approvals.list(status, groups, MAX_LIST).onSuccess(found -> {
            List<Object> items = new ArrayList<>();
            for (PendingApproval a : found) {
                items.add(ApprovalJson.summary(a));
            }
            Responses.value(ctx, 200, Map.of("approvals", items));
        }).onFailure(ctx::fail);
    }

    public void castVote(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        if (caller.reviewer() == null) {
            throw ApiError.forbidden("client " + caller.name() + " has no reviewer identity to vote as; give it one with"
                    + " 'reviewer:' in its client entry");
        }
        JsonObject body = body(Responses.jsonBody(ctx));
        Object voteValue = body.getValue("vote");
        Choice choice = voteValue instanceof String s ? Choice.fromWire(s) : null;
        if (choice == null) {
            throw ApiError.badRequest("invalid_input", "/vote: expected \"approve\" or \"deny\"", "/vote");
        }
        Object comment = body.getValue("comment");
        if (comment != null && !(comment instanceof String)) {
            throw ApiError.badRequest("invalid_input", "/comment: expected a string", "/comment");
        }
        if (comment != null && ((String) comment).length() > MAX_COMMENT) {
            throw ApiError.badRequest("invalid_input", "/comment: longer than " + MAX_COMMENT + " characters", "/comment");
        }
        approvals.vote(id, caller.reviewer(), choice, (String) comment, "api").onSuccess(a -> {
            if (a == null) {
                ctx.fail(unknown(id));
            } else {
                Responses.value(ctx, 200, ApprovalJson.forApi(a));
            }
        }).onFailure(failure -> {
            if (failure instanceof VoteRefused refused && refused.outcome() == VoteResult.Outcome.NOT_A_REVIEWER && !caller.has(Scope.ADMIN)) {
                ctx.fail(unknown(id));   // someone in none of its groups may not know it exists
            } else if (failure instanceof VoteRefused refused) {
                ctx.fail(switch (refused.outcome()) {
                    case SELF_APPROVAL, NOT_A_REVIEWER -> new ApiError(403, refused.outcome().name().toLowerCase(), refused.getMessage());
                    default -> new ApiError(409, refused.outcome().name().toLowerCase(), refused.getMessage());
                });
            } else {
                ctx.fail(failure);
            }
        });
    }

    private Duration wait(String text) {
        Duration d;
        Matcher m = SHORT_DURATION.matcher(text.trim());
        try {
            if (m.matches() && m.group(1).length() > 15) {
                d = approvals.maxWait();
            } else if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    default -> Duration.ofMinutes(n);
                };
            } else {
                d = Duration.parse(text.trim());
            }
        } catch (ArithmeticException e) {
            d = approvals.maxWait();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw ApiError.badRequest("invalid_parameter", "wait must be a duration such as 30s, 500ms, 2m or PT30S", "wait");
        }
        if (d.isNegative()) {
            throw ApiError.badRequest("invalid_parameter", "wait must not be negative", "wait");
        }
        return d.compareTo(approvals.maxWait()) > 0 ? approvals.maxWait() : d;
    }

    /**
     * The vote's body: an object of {@code vote} and {@code comment} only, read as strictly as an
     * action context (a duplicate key, a lone surrogate or a NUL anywhere, a number no 64-bit float
     * holds are refused, naming the JSON pointer).
     */
    private JsonObject body(byte[] bytes) {
        Object parsed;
        try {
            parsed = votes.readValue(bytes);
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw ApiError.badRequest("invalid_input", "expected an object such as {\"vote\": \"approve\", \"comment\": \"...\"}", null);
        }
        for (Object key : map.keySet()) {
            if (!VOTE_FIELDS.contains(key)) {
                String at = "/" + key.toString().replace("~", "~0").replace("/", "~1");
                throw ApiError.badRequest("invalid_input", at + ": unknown field; a vote has \"vote\" and \"comment\"", at);
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return new JsonObject(new java.util.LinkedHashMap<>(m));
    }
}
