package dev.countersign.connectors.slack;

import java.time.Duration;

/** A failure {@link FakeSlack} can be told to answer with instead of doing the work. */
public sealed interface SlackFailure {
    /** HTTP 200 {@code {"ok":false,"error":code}}. */
    record Error(String code) implements SlackFailure {
    }

    /** HTTP 429 with {@code Retry-After} in whole seconds; requests sooner are answered 429 again and recorded as violations. */
    record RateLimited(Duration retryAfter) implements SlackFailure {
    }

    /** A bare HTTP status (503, 500, 404…) with a non-Slack body. */
    record Status(int status) implements SlackFailure {
    }

    /** No answer at all: the request is left hanging until the client gives up. */
    record Stall() implements SlackFailure {
    }

    /** HTTP 200 with a JSON body of about {@code bytes} bytes. */
    record Huge(int bytes) implements SlackFailure {
    }

    /** The request is served (a post is stored), then the connection closes without an answer: an accepted call whose result never arrived. */
    record LostAnswer() implements SlackFailure {
    }

    /**
     * The request is served (a post is stored) and its answer held back: the connection stays open
     * until the client gives up or goes away, as when the node that sent it dies waiting.
     */
    record HeldAnswer() implements SlackFailure {
    }

    static SlackFailure error(String code) {
        return new Error(code);
    }

    static SlackFailure rateLimited(Duration retryAfter) {
        return new RateLimited(retryAfter);
    }
}
