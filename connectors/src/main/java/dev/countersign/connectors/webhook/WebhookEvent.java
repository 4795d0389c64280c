package dev.countersign.connectors.webhook;

import java.time.Instant;
import java.util.Objects;

/**
 * The approval event a webhook delivery tells: its id (the same on every retry, the receiver's
 * de-duplication key), its type ({@code created}, {@code vote}, {@code approved}, {@code denied},
 * {@code expired}, {@code redeemed}, {@code reminder}) and when it happened.
 */
public record WebhookEvent(String id, String type, Instant at) {
    public WebhookEvent {
        Objects.requireNonNull(type, "an event has a type");
        Objects.requireNonNull(at, "an event has a time");
    }
}
