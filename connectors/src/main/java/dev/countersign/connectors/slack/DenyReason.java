package dev.countersign.connectors.slack;

/**
 * An authentic submission of the deny modal ({@code view_submission} of the view
 * {@link SlackConnector#openDenyReason} opened): the reviewer denies {@code approvalId} because of
 * {@code reason}. The card's channel and {@code ts} come back from the modal's private metadata.
 * As for a {@link Click}, compare {@code teamId} with {@link SlackConnector#teamId}, and
 * {@code replayKey} lets a cluster refuse the same request received by another node.
 *
 * @param approvalId the approval denied
 * @param userId     who submitted ({@code U…})
 * @param userName   their user name as Slack sent it: for display only
 * @param teamId     their workspace ({@code T…}): the payload's {@code team.id}, else the user's {@code team_id}
 * @param reason     the text they typed, as typed (escape it before showing it anywhere)
 * @param channelId  the channel of the card the deny was clicked on (may be null)
 * @param messageTs  the {@code ts} of that card (may be null)
 * @param replayKey  what makes the request that carried it a replay; never null when read by
 *                   {@link SlackInteractions}, null for one made otherwise
 */
public record DenyReason(String approvalId, String userId, String userName, String teamId, String reason, String channelId,
                         String messageTs, ReplayKey replayKey) implements SlackInteraction {
    /** A deny reason not read from a request: no replay key. */
    public DenyReason(String approvalId, String userId, String userName, String teamId, String reason, String channelId, String messageTs) {
        this(approvalId, userId, userName, teamId, reason, channelId, messageTs, null);
    }
}
