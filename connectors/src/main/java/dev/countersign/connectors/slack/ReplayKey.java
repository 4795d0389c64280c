package dev.countersign.connectors.slack;

import java.time.Instant;
import java.util.Objects;

/**
 * What makes an authentic request from Slack a replay when it arrives again: {@code value} is its
 * {@code X-Slack-Signature} ({@code v0=<hex>}), equal for the very same request sent again and
 * different for any other (another body or another timestamp).
 *
 * <p>{@link SlackInteractions} refuses a replay it received itself, in one node's memory. Nodes of
 * a cluster, each with its own {@link SlackInteractions}, refuse replays across nodes by putting
 * {@code value} into shared storage if absent before acting on the request, and treating a request
 * whose key was already there as a replay ({@link Unauthentic}: answer 401, do nothing). The key
 * need be kept only until {@code keepUntil}: after it the request is refused as too old anyway.
 *
 * @param value     the request's signature; not a secret (it signs only that request)
 * @param keepUntil when the request's timestamp stops being accepted
 */
public record ReplayKey(String value, Instant keepUntil) {
    public ReplayKey {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(keepUntil, "keepUntil");
    }
}
