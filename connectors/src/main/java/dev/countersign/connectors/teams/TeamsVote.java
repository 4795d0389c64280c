package dev.countersign.connectors.teams;

import dev.countersign.connectors.ReviewerChoice;

/**
 * An authentic click on a card's Approve or Deny: an {@code adaptiveCard/action} invoke of
 * {@code Action.Execute} with trigger {@code manual}, or (from clients too old for Universal
 * Actions) a {@code message} activity carrying the fallback {@code Action.Submit}'s data
 * ({@code legacySubmit}).
 *
 * <p>The reviewer is {@code aadObjectId} in {@code tenantId}: authorize on those (the tenant has
 * already been checked against the configured one); {@code userId} and {@code userName} are for
 * addressing and display only.
 *
 * <p>The Bot Connector may deliver an activity more than once; {@code activityId} tells a
 * redelivery, and the workflow counts one vote per reviewer regardless.
 *
 * @param approvalId     the card's {@code data.approval_id}
 * @param choice         approve or deny (the action's verb)
 * @param reason         the text typed in the card's input {@code reason} (Teams merges inputs into
 *                       the data), as typed; null when none was typed
 * @param aadObjectId    the reviewer's Azure AD object id ({@code from.aadObjectId}), lower case
 * @param userId         their Teams user id ({@code from.id}, {@code 29:…})
 * @param userName       their display name as Teams sent it, or null: for display only
 * @param tenantId       the tenant of the activity, lower case
 * @param conversationId the conversation the card is in
 * @param serviceUrl     the Bot Connector base the answer and any update go to (verified against the token)
 * @param activityId     the id of this activity, or null
 * @param cardActivityId the id of the card's activity ({@code replyToId}), to update it; may be null
 * @param legacySubmit   whether it came as an {@code Action.Submit} message: answer 200 without a
 *                       body, then update the card with a PUT
 */
public record TeamsVote(String approvalId, ReviewerChoice choice, String reason, String aadObjectId, String userId, String userName,
                        String tenantId, String conversationId, String serviceUrl, String activityId, String cardActivityId,
                        boolean legacySubmit) implements TeamsInteraction {
}
