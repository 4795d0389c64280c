package dev.countersign.connectors.slack;

import dev.countersign.connectors.ReviewerChoice;

/**
 * An authentic click on a card's Approve or Deny button ({@code block_actions}).
 *
 * <p>The reviewer is {@code userId} in workspace {@code teamId}: Slack's immutable ids, not names
 * (map them to a reviewer with {@link SlackConnector#user} or the directory's {@code slack} handle;
 * a user of another workspace can click in a shared channel, so compare the team with
 * {@link SlackConnector#teamId}). The click is answerable privately through {@code responseUrl}
 * ({@link SlackConnector#ephemeral}) and, for about 3 seconds, can open a modal with
 * {@code triggerId} ({@link SlackConnector#openDenyReason}). {@code replayKey} lets a cluster refuse
 * the same request received by another node ({@link ReplayKey}).
 *
 * @param approvalId the button's value: the approval the card is about
 * @param choice     approve or deny
 * @param userId     who clicked ({@code U…})
 * @param userName   their user name as Slack sent it: for display only, never for authorization
 * @param teamId     their workspace ({@code T…}): the payload's {@code team.id}, else the user's {@code team_id}
 * @param triggerId  opens a modal for about 3 seconds (null if Slack sent none)
 * @param responseUrl where to answer the clicker (null if Slack sent none)
 * @param channelId  the channel of the card clicked (null outside a message)
 * @param messageTs  the {@code ts} of the card clicked (null outside a message)
 * @param replayKey  what makes the request that carried the click a replay; never null when read by
 *                   {@link SlackInteractions}, null for a click made otherwise
 */
public record Click(String approvalId, ReviewerChoice choice, String userId, String userName, String teamId, String triggerId,
                    String responseUrl, String channelId, String messageTs, ReplayKey replayKey) implements SlackInteraction {
    /** A click not read from a request (rebuilt from storage, or made in a test): no replay key. */
    public Click(String approvalId, ReviewerChoice choice, String userId, String userName, String teamId, String triggerId,
                 String responseUrl, String channelId, String messageTs) {
        this(approvalId, choice, userId, userName, teamId, triggerId, responseUrl, channelId, messageTs, null);
    }
}
