package dev.countersign.connectors.teams;

/**
 * A request for a card as it now stands, for one user: an {@code adaptiveCard/action} invoke with
 * trigger {@code automatic} (Teams refreshing a card as it is shown to a user listed in its
 * {@code refresh.userIds}), or with the verb {@code refresh}. Never a vote, whatever its verb.
 * Answer 200 with {@link InvokeResponses#card}.
 *
 * @param approvalId     the card's {@code data.approval_id}
 * @param verb           the action's verb as sent (only for the log)
 * @param aadObjectId    the user's Azure AD object id, lower case: the card may differ per user
 * @param userId         their Teams user id ({@code 29:…})
 * @param userName       their display name, or null
 * @param tenantId       the tenant of the activity, lower case
 * @param conversationId the conversation the card is in
 * @param serviceUrl     the Bot Connector base (verified against the token)
 * @param activityId     the id of this activity, or null
 * @param cardActivityId the id of the card's activity ({@code replyToId}), or null
 * @param automatic      whether Teams asked by itself ({@code trigger} {@code automatic}) rather than the user
 */
public record CardRefresh(String approvalId, String verb, String aadObjectId, String userId, String userName, String tenantId,
                          String conversationId, String serviceUrl, String activityId, String cardActivityId, boolean automatic)
        implements TeamsInteraction {
}
