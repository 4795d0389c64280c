package dev.countersign.connectors;

import io.vertx.core.Future;

/**
 * The small base every connector implements, whatever the workflow: what kind it is, how a route's
 * target is checked, whether it can reach its platform. A workflow extension ({@link ChatConnector}
 * for reviewers in a chat, {@code WebhookConnector} for signed event delivery) adds the few calls
 * that workflow makes.
 *
 * <p>Connectors do I/O and rendering only. They keep no state about what they sent (references are
 * returned to the caller, which stores them), never retry (they classify failures in
 * {@link ConnectorFailure} and the caller retries), never block the calling event loop, and mount no
 * routes of their own (inbound requests are handed to them as headers and exact body bytes).
 */
public interface Connector {
    /** The kind of destination this connector serves, the prefix of its route specs: {@code slack}, {@code webhook}. */
    String kind();

    /**
     * Checks a route's target, given as {@code kind:target}, and returns it as a destination.
     *
     * @throws IllegalArgumentException naming what is wrong, such as
     *         "slack:#general is not a channel id; give the channel's id, such as C0123456789"
     */
    Destination destination(String spec);

    /** Whether the platform answers with these credentials. Always succeeds: a failure is a down {@link Health}. */
    Future<Health> health();

    /** Releases the connector's connections. */
    Future<Void> close();
}
