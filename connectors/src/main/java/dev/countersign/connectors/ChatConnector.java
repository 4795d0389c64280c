package dev.countersign.connectors;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The approval workflow's extension of a chat connector (Slack now, Microsoft Teams later): post a
 * card asking reviewers, find a card already posted (for a caller that posts at least once), update
 * it as the approval changes, reply in its thread for each vote and reminder, and notify a person
 * directly.
 *
 * <p>Every call fails with {@link ConnectorFailure} when the platform refuses or cannot be reached,
 * and with {@link IllegalArgumentException} when an argument is not something this platform can
 * address. Nothing is retried here; nothing about what was sent is remembered here.
 */
public interface ChatConnector extends Connector {
    /**
     * Posts the card for {@code message} to {@code destination}: the whole context, and while the
     * approval is pending the Approve and Deny buttons.
     *
     * @return the reference of the posted card, to keep for {@link #update} and {@link #reply}
     */
    Future<Sent> post(Destination destination, ApprovalMessage message);

    /**
     * The card already posted with {@link #post} for approval {@code approvalId} in
     * {@code destination} after {@code since}, or empty when there is none.
     *
     * <p>For a caller that posts at least once: an earlier attempt may have been accepted by the
     * platform while its {@link Sent} never reached the caller (the node died, the answer was lost).
     * Before posting again, ask: a card found is that attempt's card, to keep and update; empty
     * means none was posted in that time. Only cards this connector's own bot posted for that
     * approval count — not its replies or notices, not messages of other apps or people, not cards
     * of other approvals. Should there be more than one, the oldest is returned, so every caller
     * settles on the same card.
     *
     * <p>The platform stamps messages with its own clock: give {@code since} a margin before the
     * first attempt began. When the connector cannot tell whether a card was posted (more history
     * since then than it reads) it fails rather than answer empty.
     *
     * @return the reference of the card, as {@link #post} would have returned it, or empty
     */
    Future<Optional<Sent>> find(Destination destination, String approvalId, Instant since);

    /**
     * Replaces the card {@code sent} refers to with the card for {@code message}. A final status
     * (approved, denied, expired, redeemed) removes the buttons.
     */
    Future<Void> update(Sent sent, ApprovalMessage message);

    /**
     * Replies in the thread of {@code parent} with {@code text}, which is shown as written: it can
     * never mention or link anyone. The people to mention are given as platform user ids in
     * {@code mention} (Slack {@code U…}) and are mentioned before the text.
     *
     * @return the reference of the reply
     */
    Future<Sent> reply(Sent parent, String text, List<String> mention);

    /** {@link #reply(Sent, String, List)} mentioning nobody. */
    default Future<Sent> reply(Sent parent, String text) {
        return reply(parent, text, List.of());
    }

    /**
     * Sends {@code message} to one person directly (Slack: a direct message from the bot), without
     * buttons: a notice, for example to the requester once the approval is decided.
     *
     * @param personHandle the person's platform id (Slack {@code U…}) or, where the platform can look
     *                     it up, their email address
     */
    Future<Void> notify(String personHandle, ApprovalMessage message);

    /**
     * Whether {@link #notify} can address the person {@code personHandle} names on this platform at
     * all (whether they exist there is only known by trying): a caller holding a handle this says no to
     * tells the person nothing here, and makes no call. Any non-null handle unless the connector says
     * otherwise.
     */
    default boolean reaches(String personHandle) {
        return personHandle != null;
    }
}
