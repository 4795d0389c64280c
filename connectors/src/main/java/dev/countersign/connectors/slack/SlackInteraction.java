package dev.countersign.connectors.slack;

/**
 * What an inbound request to the Slack Request URL turned out to be, as {@link SlackInteractions}
 * reads it: a {@link Click} on Approve or Deny, a {@link DenyReason} submitted from the deny modal,
 * an authentic request that is {@link Ignored}, or an {@link Unauthentic} one.
 *
 * <p>How to answer Slack: {@link Unauthentic} → 401, nothing else done. Everything else → HTTP 200
 * with an empty body within 3 seconds (Slack shows the reviewer an error otherwise; for a view
 * submission an empty 200 closes the modal), then the work is done asynchronously. Whether the
 * clicking user may vote is not decided here.
 */
public sealed interface SlackInteraction permits Click, DenyReason, Ignored, Unauthentic {
}
