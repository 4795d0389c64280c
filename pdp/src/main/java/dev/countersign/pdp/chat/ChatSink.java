package dev.countersign.pdp.chat;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.PostedRef;
import dev.countersign.cluster.approval.Settlement;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ChatConnector;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Sent;
import dev.countersign.pdp.approval.ApprovalMessages;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.events.EventSink;
import dev.countersign.pdp.events.Retries;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A chat destination as a sink ({@code slack:C…}): the approval's card, posted once and then kept
 * showing the approval as it stands; a thread reply under it per vote and per reminder (mentioning
 * the reviewers still to vote); the requester told the outcome directly where the directory knows
 * their chat handle or the platform their email.
 *
 * <p>Exactly one card per approval and destination: the card's reference is recorded in the
 * approval, and before posting again after an attempt whose answer was lost the sink looks for the
 * card it may have posted ({@link ChatConnector#find}). The card shows state, so showing it again is
 * harmless; a thread reply or a direct message is repeated only if this node dies between the
 * platform taking it and the delivery being recorded. A delivery stops early, recording how far it
 * got, after {@link #BUDGET}, well within its claim.
 */
public final class ChatSink implements EventSink {
    static final Duration BUDGET = Duration.ofSeconds(15);
    private static final Duration CAP = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(ChatSink.class);

    private final ChatConnector connector;
    private final ReviewerDirectory directory;
    private final Function<ReviewerDirectory.Reviewer, String> handle;
    private final String publicUrl;
    private final Clock clock;
    private final Map<String, java.util.concurrent.atomic.LongAdder> calls = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param handle a reviewer's handle on this platform (a Slack user id), or null
     * @param publicUrl this deployment's base URL, for the card's link; null for none
     */
    public ChatSink(ChatConnector connector, ReviewerDirectory directory, Function<ReviewerDirectory.Reviewer, String> handle,
                    String publicUrl, Clock clock) {
        this.connector = connector;
        this.directory = directory;
        this.handle = handle;
        this.publicUrl = publicUrl;
        this.clock = clock;
    }

    /** Calls made since start, by kind ({@code post}, {@code update}, {@code reply}, {@code notify}, {@code find}) and outcome ({@code ok}, {@code failed}), keyed {@code kind/outcome}. */
    public Map<String, Long> calls() {
        Map<String, Long> now = new java.util.TreeMap<>();
        calls.forEach((k, v) -> now.put(k, v.sum()));
        return now;
    }

    private <T> Future<T> counted(String kind, Future<T> call) {
        return call.onComplete(done -> calls.computeIfAbsent(kind + "/" + (done.succeeded() ? "ok" : "failed"),
                k -> new java.util.concurrent.atomic.LongAdder()).increment());
    }

    @Override
    public boolean serves(String sink) {
        return sink.startsWith(connector.kind() + ":");
    }

    @Override
    public Future<Settlement> deliver(PendingApproval a, Delivery d, List<ApprovalEvent> events) {
        Destination destination;
        try {
            destination = connector.destination(d.sink());
        } catch (IllegalArgumentException e) {
            return Future.succeededFuture(Settlement.failed(e.getMessage()));
        }
        ApprovalMessage message = ApprovalMessages.of(a, publicUrl);
        long upTo = events.get(events.size() - 1).seq();
        if (d.posted() == null) {
            return post(a, d, destination, message, upTo);
        }
        Sent card = new Sent(destination, d.posted().conversation(), d.posted().messageId());
        boolean changed = events.stream().anyMatch(e -> shows(e.type()));
        Future<Void> shown = changed ? counted("update", connector.update(card, message)) : Future.succeededFuture();
        long[] done = {d.delivered()};
        Instant stopAt = clock.instant().plus(BUDGET);
        return shown.compose(v -> each(a, card, events, 0, done, stopAt))
                .map(v -> Settlement.delivered(upTo))
                .otherwise(failure -> failure instanceof Stop || done[0] > d.delivered()
                        ? Settlement.delivered(done[0])   // what was handled is kept; the rest is due again at once
                        : Retries.after(failure, d, clock, CAP, 0, false));
    }

    /** Posts the card, unless an earlier attempt may have: then the card found is updated instead. */
    private Future<Settlement> post(PendingApproval a, Delivery d, Destination destination, ApprovalMessage message, long upTo) {
        boolean look = d.uncertain() || d.attempts() > 0;
        Future<Optional<Sent>> earlier = look ? counted("find", connector.find(destination, a.id(), a.createdAt().minusSeconds(60)))
                : Future.succeededFuture(Optional.empty());
        return earlier.compose(found -> {
            if (found.isPresent()) {
                LOG.info("approval {}: the card in {} was posted by an earlier attempt; showing it as it stands", a.id(), destination);
                return counted("update", connector.update(found.get(), message)).map(v -> found.get());
            }
            return counted("post", connector.post(destination, message));
        }).map(sent -> Settlement.delivered(upTo, new PostedRef(sent.conversation(), sent.messageId())))
                .otherwise(failure -> Retries.after(failure, d, clock, CAP, 0, true));
    }

    /** Handles {@code events} from index {@code i}, recording in {@code done} each one handled. */
    private Future<Void> each(PendingApproval a, Sent card, List<ApprovalEvent> events, int i, long[] done, Instant stopAt) {
        if (i >= events.size()) {
            return Future.succeededFuture();
        }
        if (i > 0 && clock.instant().isAfter(stopAt)) {
            return Future.failedFuture(new Stop());
        }
        ApprovalEvent e = events.get(i);
        return handle(a, card, e).compose(v -> {
            done[0] = e.seq();
            return each(a, card, events, i + 1, done, stopAt);
        });
    }

    private Future<Void> handle(PendingApproval a, Sent card, ApprovalEvent e) {
        switch (e.type()) {
            case ApprovalEvent.VOTE -> {
                return counted("reply", connector.reply(card, voteLine(e))).mapEmpty();
            }
            case ApprovalEvent.REMINDER -> {
                return counted("reply", connector.reply(card, reminderLine(a), stillToVote(a))).mapEmpty();
            }
            case ApprovalEvent.APPROVED, ApprovalEvent.DENIED, ApprovalEvent.EXPIRED -> {
                return tellRequester(a);
            }
            default -> {
                return Future.succeededFuture();
            }
        }
    }

    /** Whether an event of {@code type} changes what the card shows. */
    private static boolean shows(String type) {
        return switch (type) {
            case ApprovalEvent.VOTE, ApprovalEvent.APPROVED, ApprovalEvent.DENIED, ApprovalEvent.EXPIRED, ApprovalEvent.REDEEMED,
                    ApprovalEvent.CREATED -> true;
            default -> false;
        };
    }

    private static String voteLine(ApprovalEvent e) {
        Map<String, String> v = e.details();
        String choice = "approve".equals(v.get("vote")) ? "approved" : "denied";
        String comment = v.get("comment");
        return v.get("reviewer") + " " + choice + (comment == null || comment.isBlank() ? "" : ": " + comment)
                + (v.get("channel") == null ? "" : " (via " + v.get("channel") + ")");
    }

    private static String reminderLine(PendingApproval a) {
        List<String> still = new ArrayList<>();
        Map<String, Integer> approvals = a.approvals();
        a.requirement().quorum().forEach((group, quorum) -> {
            int needed = quorum - approvals.getOrDefault(group, 0);
            if (needed > 0) {
                still.add(group + " (" + needed + " more)");
            }
        });
        return "Reminder: this approval is still waiting for " + String.join(", ", still) + "; it expires at " + a.expiresAt() + ".";
    }

    /** The handles of the reviewers of groups still short of their quorum who have not voted. */
    private List<String> stillToVote(PendingApproval a) {
        Set<String> handles = new LinkedHashSet<>();
        Map<String, Integer> approvals = a.approvals();
        a.requirement().quorum().forEach((group, quorum) -> {
            if (approvals.getOrDefault(group, 0) >= quorum) {
                return;
            }
            for (ReviewerDirectory.Reviewer r : directory.members(group)) {
                String h = handle.apply(r);
                if (h != null && a.voteOf(r.id()) == null && !a.requester().is(r.id())) {
                    handles.add(h);
                }
            }
        });
        return List.copyOf(handles);
    }

    /**
     * Tells the person the action was for (else the actor) the outcome, where this platform can
     * reach them: by their handle in the directory, else by email address where the connector
     * {@linkplain ChatConnector#reaches reaches} one; otherwise nothing is sent or counted.
     */
    private Future<Void> tellRequester(PendingApproval a) {
        String person = a.requester().onBehalfOf() != null ? a.requester().onBehalfOf() : a.requester().actorId();
        ReviewerDirectory.Reviewer known = directory.reviewer(person);
        String to = known != null && handle.apply(known) != null ? handle.apply(known)
                : person != null && person.contains("@") ? person : null;
        if (to == null || !connector.reaches(to)) {
            return Future.succeededFuture();   // this platform cannot address them (Teams and an email address): no call
        }
        return counted("notify", connector.notify(to, ApprovalMessages.of(a, publicUrl))).recover(failure -> {
            if (failure instanceof ConnectorFailure f && f.isPermanent()) {
                LOG.info("approval {}: the requester could not be told the outcome directly: {}", a.id(), Retries.describe(f));
                return Future.succeededFuture();   // unreachable person: the card and thread show it
            }
            return Future.failedFuture(failure);
        });
    }

    /** The delivery used its budget: what was handled is recorded, the rest comes next time. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super("time budget used", null, false, false);
        }
    }
}
