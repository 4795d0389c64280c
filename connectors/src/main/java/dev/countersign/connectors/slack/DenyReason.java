package dev.countersign.connectors.slack;

/**
 * An authentic submission of the deny modal ({@code view_submission} of the view
 * {@link SlackConnector#openDenyReason} opened): the reviewer denies {@code approvalId} because of
 * {@code reason}. The card's channel and {@code ts} come back from the modal's private metadata.
 *
 * @param approvalId the approval denied
 * @param userId     who submitted ({@code U…})
 * @param userName   their user name as Slack sent it: for display only
 * @param teamId     their workspace ({@code T…})
 * @param reason     the text they typed, as typed (escape it before showing it anywhere)
 * @param channelId  the channel of the card the deny was clicked on (may be null)
 * @param messageTs  the {@code ts} of that card (may be null)
 */
public record DenyReason(String approvalId, String userId, String userName, String teamId, String reason, String channelId,
                         String messageTs) implements SlackInteraction {
}
