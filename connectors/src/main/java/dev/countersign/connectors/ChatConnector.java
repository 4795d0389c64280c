package dev.countersign.connectors;

import io.vertx.core.Future;
import java.util.List;

/**
 * The approval workflow's extension of a chat connector (Slack now, Microsoft Teams later): post a
 * card asking reviewers, update it as the approval changes, reply in its thread for each vote and
 * reminder, and notify a person directly.
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
}
