package dev.countersign.pdp.chat;

import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.Sent;
import dev.countersign.connectors.teams.CardRefresh;
import dev.countersign.connectors.teams.IgnoredActivity;
import dev.countersign.connectors.teams.InvokeResponse;
import dev.countersign.connectors.teams.InvokeResponses;
import dev.countersign.connectors.teams.TeamsCards;
import dev.countersign.connectors.teams.TeamsConnector;
import dev.countersign.connectors.teams.TeamsInteraction;
import dev.countersign.connectors.teams.TeamsInteractions;
import dev.countersign.connectors.teams.TeamsRefusal;
import dev.countersign.connectors.teams.TeamsVote;
import dev.countersign.connectors.teams.Viewer;
import dev.countersign.pdp.approval.ApprovalMessages;
import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.approval.VoteRefused;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.decision.AuditTrail;
import dev.countersign.pdp.events.Retries;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /connectors/teams/messages}, the bot's messaging endpoint: reviewers' clicks on a
 * card's Approve and Deny and the cards' refreshes, as Bot Framework activities.
 *
 * <p>Every activity is authenticated by its Bot Framework token and checked against the configured
 * app and tenant ({@link TeamsInteractions}); one that is not is refused (401/403, or 503 while no
 * signing keys are known), logged and audited, and changes nothing. An authentic click counts only
 * from the conversation of one of the approval's posted cards, through the Bot Connector of the
 * configured service URL (its scheme, host and port: Teams names a regional path, such as
 * {@code /amer/}, in the activities it sends, while cards may be posted through the global
 * {@code /teams/}), and
 * from a reviewer the directory knows by Entra object id ({@code teams}); it goes to the one
 * workflow ({@link ApprovalService#vote}) and is answered with the card as the clicker now sees it
 * (no buttons once they voted or it is decided); a click that does not count is answered with the
 * card explaining why. A refresh answers the card as the user sees it and records nothing. A legacy
 * {@code Action.Submit} is answered 200; its card is updated with the others by the event stream.
 */
public final class TeamsMessagesHandler {
    /** How long a click waits for its vote before it is answered anyway (Teams gives up after 10-15 s). */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(8);
    private static final Logger LOG = LoggerFactory.getLogger(TeamsMessagesHandler.class);

    private final Vertx vertx;
    private final TeamsInteractions interactions;
    private final TeamsReviewCards cards;
    private final TeamsUsers users;
    private final ReviewerDirectory directory;
    private final ApprovalService approvals;
    private final AuditTrail audit;
    private final String serviceUrl;
    private final String publicUrl;
    private final String node;
    private final Clock clock;
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

    TeamsMessagesHandler(Vertx vertx, TeamsInteractions interactions, TeamsReviewCards cards, TeamsUsers users,
                         ReviewerDirectory directory, ApprovalService approvals, AuditTrail audit, String serviceUrl, String publicUrl,
                         String node, Clock clock) {
        this.vertx = vertx;
        this.interactions = interactions;
        this.cards = cards;
        this.users = users;
        this.directory = directory;
        this.approvals = approvals;
        this.audit = audit;
        this.serviceUrl = serviceUrl;
        this.publicUrl = publicUrl;
        this.node = node;
        this.clock = clock;
    }

    /** Activities received since start, by outcome: counted, refused, refreshed, unauthentic, foreign_conversation, unknown_user, ignored, failed. */
    public Map<String, Long> outcomes() {
        Map<String, Long> now = new java.util.TreeMap<>();
        outcomes.forEach((k, v) -> now.put(k, v.sum()));
        return now;
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    public void receive(RoutingContext ctx) {
        interactions.receive(ctx.request().headers(), ctx.body().buffer()).onComplete(done -> {
            TeamsInteraction interaction = done.succeeded() ? done.result()
                    : new TeamsRefusal(500, "internal_error", "the activity could not be read");
            if (interaction instanceof TeamsRefusal refusal) {
                refused(ctx, refusal);
            } else if (interaction instanceof IgnoredActivity) {
                count("ignored");
                ctx.response().setStatusCode(200).end();
            } else if (interaction instanceof TeamsVote vote) {
                answerWithin(ctx, vote.legacySubmit(), vote(vote));
            } else if (interaction instanceof CardRefresh refresh) {
                answerWithin(ctx, false, refresh(refresh));
            }
        });
    }

    private void refused(RoutingContext ctx, TeamsRefusal refusal) {
        if (refusal.status() == 400) {
            count("invalid");
            answer(ctx, refusal.invokeResponse());
            return;
        }
        count("unauthentic");
        String from = String.valueOf(ctx.request().remoteAddress());
        LOG.warn("refused an activity at the Teams messaging endpoint from {}: {} ({})", from, refusal.reason(), refusal.code());
        audited("refused", Map.of("status", refusal.status(), "code", refusal.code(), "reason", refusal.reason(), "remote", from));
        Responses.error(ctx, new ApiError(refusal.status(), refusal.code(), refusal.reason()));
    }

    /** Answers what {@code answer} comes to, or after {@link #ANSWER_WAIT} that the vote is still being recorded. */
    private void answerWithin(RoutingContext ctx, boolean legacy, Future<InvokeResponse> answer) {
        Promise<InvokeResponse> first = Promise.promise();
        long timer = vertx.setTimer(ANSWER_WAIT.toMillis(), t -> first.tryComplete(InvokeResponses.message(
                "Countersign is still recording this; refresh the card in a moment to see where it stands.")));
        answer.onComplete(done -> first.tryComplete(done.succeeded() ? done.result() : failed(done.cause())));
        first.future().onComplete(done -> {
            vertx.cancelTimer(timer);
            if (legacy) {
                ctx.response().setStatusCode(200).end();   // a message activity's answer is not shown; the card is updated
            } else {
                answer(ctx, done.result());
            }
        });
    }

    private InvokeResponse failed(Throwable failure) {
        count("failed");
        LOG.warn("a Teams activity could not be handled: {}", Retries.describe(failure));
        return InvokeResponses.message("Countersign could not record this now (" + Retries.describe(failure) + "); try again.");
    }

    private static void answer(RoutingContext ctx, InvokeResponse response) {
        ctx.response().setStatusCode(response.status()).putHeader("Content-Type", InvokeResponse.CONTENT_TYPE).end(response.toBuffer());
    }

    private Future<InvokeResponse> vote(TeamsVote v) {
        users.learn(v.aadObjectId(), v.userId());
        return approvals.get(v.approvalId()).compose(a -> {
            InvokeResponse refused = notHere(a, v.approvalId(), v.conversationId(), v.serviceUrl(), v.aadObjectId());
            if (refused != null) {
                return Future.succeededFuture(refused);
            }
            ReviewerDirectory.Reviewer reviewer = directory.byTeams(v.aadObjectId());
            if (reviewer == null) {
                count("unknown_user");
                return Future.succeededFuture(card(a, Viewer.notAReviewer(a.requirement().groups())));
            }
            Choice choice = v.choice() == ReviewerChoice.APPROVE ? Choice.APPROVE : Choice.DENY;
            return approvals.vote(a.id(), reviewer.id(), choice, v.reason(), "teams").map(updated -> {
                count("counted");
                PendingApproval now = updated == null ? a : updated;
                showOnUnrecordedCard(now, v.conversationId(), v.cardActivityId());
                return card(now, viewerOf(now, reviewer));
            }).recover(failure -> {
                if (failure instanceof VoteRefused refusal) {
                    count("refused");
                    return approvals.get(a.id()).map(now -> {
                        PendingApproval current = now == null ? a : now;
                        showOnUnrecordedCard(current, v.conversationId(), v.cardActivityId());
                        return card(current, refusedViewer(current, reviewer, refusal));
                    });
                }
                return Future.failedFuture(failure);
            });
        });
    }

    private Future<InvokeResponse> refresh(CardRefresh r) {
        users.learn(r.aadObjectId(), r.userId());
        return approvals.get(r.approvalId()).map(a -> {
            InvokeResponse refused = notHere(a, r.approvalId(), r.conversationId(), r.serviceUrl(), r.aadObjectId());
            if (refused != null) {
                return refused;
            }
            count("refreshed");
            showOnUnrecordedCard(a, r.conversationId(), r.cardActivityId());
            return card(a, viewerOf(a, directory.byTeams(r.aadObjectId())));
        });
    }

    /**
     * Null when {@code a} exists and has a card posted in {@code conversation} ({@link #postedIn})
     * through the configured Bot Connector ({@link #sameService}); else the answer saying why nothing
     * is shown or counted (audited when the approval exists: a card of it reached a conversation it
     * was not posted to).
     */
    private InvokeResponse notHere(PendingApproval a, String approvalId, String conversation, String service, String aadObjectId) {
        if (a == null) {
            count("refused");
            return InvokeResponses.message("Approval " + approvalId + " is unknown to Countersign.");
        }
        boolean posted = sameService(serviceUrl, service) && a.log().deliveries().values().stream()
                .anyMatch(d -> d.sink().startsWith(TeamsConnector.KIND + ":") && postedIn(d, conversation));
        if (posted) {
            return null;
        }
        count("foreign_conversation");
        LOG.warn("a Teams activity about approval {} came from conversation {} through {}, where its card was not posted: nothing"
                + " shown or counted", a.id(), conversation, service);
        audited("foreign_conversation", Map.of("approval_id", a.id(), "conversation", String.valueOf(conversation),
                "service_url", String.valueOf(service), "aad_object_id", String.valueOf(aadObjectId)));
        return InvokeResponses.message("This card was not posted by Countersign in this conversation; nothing was shown or counted.");
    }

    /**
     * Shows {@code a} as it stands on card {@code cardActivityId} of {@code conversation} when that is
     * not the card the approval's delivery there recorded: a card whose post's answer never reached a
     * node (it died waiting), which nothing else can name to update. Best effort, after the answer.
     */
    private void showOnUnrecordedCard(PendingApproval a, String conversation, String cardActivityId) {
        if (cardActivityId == null || conversation == null) {
            return;
        }
        for (Delivery d : a.log().deliveries().values()) {
            if (d.sink().startsWith(TeamsConnector.KIND + ":") && d.posted() != null && d.posted().conversation().equals(conversation)) {
                if (d.posted().messageId().equals(cardActivityId)) {
                    return;   // the recorded card: the event stream keeps it current
                }
                Sent orphan = new Sent(cards.destination(d.sink()), conversation, cardActivityId);
                count("unrecorded_card_updated");
                cards.update(orphan, ApprovalMessages.of(a, publicUrl)).onFailure(failure ->
                        LOG.info("approval {}: a card it has in {} that no node recorded could not be updated: {}", a.id(), conversation,
                                Retries.describe(failure)));
                return;
            }
        }
    }

    /**
     * Whether the activity's {@code serviceUrl} (vouched for by its token) is the Bot Connector cards are
     * posted through, {@code configured}: the same scheme, host (without regard to case) and port. The
     * path is not compared: Teams sends activities with its regional base ({@code …/amer/},
     * {@code …/emea/…}), which differs from the global {@code …/teams/} cards may be posted through.
     */
    static boolean sameService(String configured, String activity) {
        if (configured == null || activity == null) {
            return false;
        }
        try {
            URI a = new URI(configured);
            URI b = new URI(activity);
            return a.getScheme() != null && a.getHost() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                    && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /**
     * Whether a click from {@code conversation} is on the card {@code d} posted: the conversation the
     * card was posted to, or the thread Teams makes of a card posted to a channel, which it names
     * {@code <channel>;messageid=<the card's activity id>} in the activities of clicks on it.
     */
    static boolean postedIn(Delivery d, String conversation) {
        if (d.posted() == null || conversation == null) {
            return false;
        }
        String posted = d.posted().conversation();
        return posted.equals(conversation)
                || !posted.contains(";") && conversation.equals(posted + ";messageid=" + d.posted().messageId());
    }

    /** How {@code reviewer} (null: someone not in the directory) sees {@code a} now. */
    private Viewer viewerOf(PendingApproval a, ReviewerDirectory.Reviewer reviewer) {
        if (a.status() != ApprovalStatus.PENDING) {
            return Viewer.anyone();
        }
        if (reviewer == null) {
            return Viewer.notAReviewer(a.requirement().groups());
        }
        Vote own = a.voteOf(reviewer.id());
        if (own != null) {
            return Viewer.voted(own.choice() == Choice.APPROVE ? ReviewerChoice.APPROVE : ReviewerChoice.DENY);
        }
        if (a.requester().is(reviewer.id())) {
            return Viewer.requester();
        }
        VoteRefused refusal = approvals.refusal(a, reviewer.id(), Choice.APPROVE);
        return refusal == null ? Viewer.reviewer() : Viewer.mayNotVote(refusal.getMessage());
    }

    private Viewer refusedViewer(PendingApproval a, ReviewerDirectory.Reviewer reviewer, VoteRefused refusal) {
        Viewer now = viewerOf(a, reviewer);
        return now.mayVote() ? Viewer.mayNotVote(refusal.getMessage()) : now;
    }

    private InvokeResponse card(PendingApproval a, Viewer viewer) {
        ApprovalMessage message = ApprovalMessages.of(a, publicUrl);
        return InvokeResponses.card(TeamsCards.card(message, viewer, cards.refreshFor(message)));
    }

    private void audited(String event, Map<String, Object> details) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("type", "connector");
        record.put("event", event);
        record.put("connector", "teams");
        record.put("time", clock.instant().toString());
        record.put("node", node);
        record.putAll(details);
        audit.append(record);
    }

    /** The handler of a node without Teams configured: the route exists and says so. */
    public static void notConfigured(RoutingContext ctx) {
        Responses.error(ctx, new ApiError(404, "not_configured", "Microsoft Teams is not configured on this node (connectors.teams)"));
    }
}
