package dev.countersign.pdp.chat;

import dev.countersign.cluster.SeenRequests;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.slack.Click;
import dev.countersign.connectors.slack.DenyReason;
import dev.countersign.connectors.slack.Ignored;
import dev.countersign.connectors.slack.SlackAnswers;
import dev.countersign.connectors.slack.SlackConnector;
import dev.countersign.connectors.slack.SlackInteraction;
import dev.countersign.connectors.slack.SlackInteractions;
import dev.countersign.connectors.slack.Unauthentic;
import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.approval.VoteRefused;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.events.Retries;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /connectors/slack/interactions}, the Slack app's Request URL: reviewers' clicks on
 * Approve and Deny, and the deny-reason modal's submissions.
 *
 * <p>Every request is authenticated by its Slack signature ({@link SlackInteractions}) and refused
 * with 401 when it is not, or when the same signed request was received before by any node
 * ({@link SeenRequests}). An authentic click is answered 200 at once and worked on after: the Slack
 * user is mapped to a reviewer ({@link SlackReviewers}), a user of another workspace changes nothing,
 * and the vote goes to the one workflow ({@link ApprovalService#vote}); whatever keeps it from
 * counting is told to the clicker alone ({@code response_url}), and the card shows what counted
 * when the approval's events reach it. Deny first asks for the reason in a modal, opened only when
 * the deny would count; its submission casts the deny, and a refusal keeps the modal open with the
 * reason shown there.
 */
public final class SlackInteractionsHandler {
    /** How long a signed request is remembered: longer than Slack's timestamp window, both ways. */
    static final Duration REMEMBER = SlackInteractions.MAX_AGE.multipliedBy(2).plusMinutes(1);
    /** How long a modal submission waits for its vote before it is answered anyway (Slack allows 3 s). */
    static final Duration SUBMISSION_WAIT = Duration.ofMillis(2500);
    private static final Logger LOG = LoggerFactory.getLogger(SlackInteractionsHandler.class);

    private final Vertx vertx;
    private final SlackConnector slack;
    private final SlackInteractions interactions;
    private final SeenRequests seen;
    private final SlackReviewers reviewers;
    private final ApprovalService approvals;
    private final Future<String> team;
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

    /** @param team the workspace whose users may vote (configured, or the bot token's) */
    public SlackInteractionsHandler(Vertx vertx, SlackConnector slack, SlackInteractions interactions, SeenRequests seen,
                                    ReviewerDirectory directory, ApprovalService approvals, Future<String> team) {
        this.vertx = vertx;
        this.slack = slack;
        this.interactions = interactions;
        this.seen = seen;
        this.reviewers = new SlackReviewers(slack, directory);
        this.approvals = approvals;
        this.team = team;
    }

    /** Requests received since start, by outcome: counted, refused, unauthentic, replayed, ignored, foreign_team, unknown_user, failed. */
    public Map<String, Long> outcomes() {
        Map<String, Long> now = new java.util.TreeMap<>();
        outcomes.forEach((k, v) -> now.put(k, v.sum()));
        return now;
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    public void receive(RoutingContext ctx) {
        SlackInteraction interaction = interactions.receive(ctx.request().headers(), ctx.body().buffer());
        if (interaction instanceof Unauthentic u) {
            count("unauthentic");
            LOG.warn("refused a request to the Slack Request URL from {}: {}", ctx.request().remoteAddress(), u.reason());
            throw ApiError.unauthorized("the request is not signed by Slack for this app: " + u.reason());
        }
        String signature = ctx.request().getHeader("X-Slack-Signature");
        Future.fromCompletionStage(seen.firstSeen("slack:" + signature, REMEMBER), vertx.getOrCreateContext()).onComplete(first -> {
            if (first.failed()) {
                ctx.fail(first.cause());
            } else if (!first.result()) {
                count("replayed");
                LOG.warn("refused a replayed request to the Slack Request URL from {}", ctx.request().remoteAddress());
                ctx.fail(ApiError.unauthorized("the request was received before; a signed request is accepted once"));
            } else {
                authentic(ctx, interaction);
            }
        });
    }

    private void authentic(RoutingContext ctx, SlackInteraction interaction) {
        if (interaction instanceof Click click) {
            ctx.response().setStatusCode(200).end();
            fromTeam(click.teamId(), click.responseUrl()).compose(ok -> ok ? click(click) : Future.succeededFuture())
                    .onFailure(failure -> failed(click.approvalId(), click.responseUrl(), failure));
        } else if (interaction instanceof DenyReason reason) {
            submission(ctx, reason);
        } else if (interaction instanceof Ignored ignored) {
            count("ignored");
            ctx.response().setStatusCode(200).end();
            if (ignored.responseUrl() != null) {
                tell(ignored.responseUrl(), "Countersign did nothing with this: " + ignored.reason() + ".");
            }
        }
    }

    /** Whether {@code teamId} is this app's workspace; tells the clicker when not. */
    private Future<Boolean> fromTeam(String teamId, String responseUrl) {
        return team.map(own -> {
            if (own.equals(teamId)) {
                return true;
            }
            count("foreign_team");
            LOG.warn("a user of Slack workspace {} clicked a card of workspace {}: nothing counted", teamId, own);
            tell(responseUrl, "Only members of this app's own Slack workspace can vote here; nothing was counted.");
            return false;
        });
    }

    private Future<Void> click(Click click) {
        return reviewers.reviewerOf(click.userId()).compose(reviewer -> {
            if (reviewer == null) {
                count("unknown_user");
                tell(click.responseUrl(), "You are not a reviewer in Countersign's directory (by your Slack id or your email),"
                        + " so your click was not counted.");
                return Future.succeededFuture();
            }
            if (click.choice() == ReviewerChoice.DENY) {
                return approvals.mayVote(click.approvalId(), reviewer, Choice.DENY).compose(refused -> {
                    if (refused != null) {
                        refuse(click.responseUrl(), refused);
                        return Future.succeededFuture();
                    }
                    return slack.openDenyReason(click).recover(failure -> {
                        tell(click.responseUrl(), "The reason dialog could not be opened (" + Retries.describe(failure)
                                + "); click Deny again.");
                        return Future.succeededFuture();
                    });
                });
            }
            return approvals.vote(click.approvalId(), reviewer, Choice.APPROVE, null, "slack").map(a -> {
                if (a == null) {
                    count("refused");
                    tell(click.responseUrl(), "Approval " + click.approvalId() + " is unknown; nothing was counted.");
                } else {
                    count("counted");
                }
                return (Void) null;
            }).recover(failure -> {
                if (failure instanceof VoteRefused refused) {
                    refuse(click.responseUrl(), refused);
                    return Future.succeededFuture();
                }
                return Future.failedFuture(failure);
            });
        });
    }

    /** Casts the deny of a submitted reason; a refusal within {@link #SUBMISSION_WAIT} keeps the modal open showing why. */
    private void submission(RoutingContext ctx, DenyReason reason) {
        Promise<String> answer = Promise.promise();
        long timer = vertx.setTimer(SUBMISSION_WAIT.toMillis(), t -> answer.tryComplete(null));
        answer.future().onComplete(done -> {
            vertx.cancelTimer(timer);
            String body = done.result();
            if (body == null) {
                ctx.response().setStatusCode(200).end();
            } else {
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(body);
            }
        });
        fromTeam(reason.teamId(), null).compose(ok -> !ok ? Future.succeededFuture(SlackAnswers.denyReasonRefused(
                        "Only members of this app's own Slack workspace can vote here."))
                : reviewers.reviewerOf(reason.userId()).compose(reviewer -> {
                    if (reviewer == null) {
                        count("unknown_user");
                        return Future.succeededFuture(SlackAnswers.denyReasonRefused("You are not a reviewer in Countersign's directory."));
                    }
                    return approvals.vote(reason.approvalId(), reviewer, Choice.DENY, reason.reason(), "slack").map(a -> {
                        count(a == null ? "refused" : "counted");
                        return a == null ? SlackAnswers.denyReasonRefused("Approval " + reason.approvalId() + " is unknown.") : null;
                    }).recover(failure -> {
                        if (failure instanceof VoteRefused refused) {
                            count("refused");
                            return Future.succeededFuture(SlackAnswers.denyReasonRefused(refused.getMessage()));
                        }
                        return Future.failedFuture(failure);
                    });
                })).onSuccess(answer::tryComplete).onFailure(failure -> {
                    count("failed");
                    LOG.warn("the deny of approval {} from Slack failed: {}", reason.approvalId(), Retries.describe(failure));
                    answer.tryComplete(SlackAnswers.denyReasonRefused("Countersign could not record the deny now ("
                            + Retries.describe(failure) + "); submit again."));
                });
    }

    private void refuse(String responseUrl, VoteRefused refused) {
        count("refused");
        tell(responseUrl, "Not counted: " + refused.getMessage() + ".");
    }

    private void failed(String approvalId, String responseUrl, Throwable failure) {
        count("failed");
        LOG.warn("a Slack click on approval {} failed: {}", approvalId, Retries.describe(failure));
        tell(responseUrl, "Countersign could not record your click now (" + Retries.describe(failure) + "); click again.");
    }

    private void tell(String responseUrl, String text) {
        if (responseUrl != null) {
            slack.ephemeral(responseUrl, text).onFailure(failure ->
                    LOG.info("could not answer a Slack user privately: {}", Retries.describe(failure)));
        }
    }

    /** The handler of a node without Slack configured: the route exists and says so. */
    public static void notConfigured(RoutingContext ctx) {
        Responses.error(ctx, new ApiError(404, "not_configured", "Slack is not configured on this node (connectors.slack)"));
    }
}
