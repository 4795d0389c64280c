package dev.countersign.connectors.teams;

import java.time.Duration;

/**
 * A failure {@link FakeBotConnector} can be told to answer with instead of doing the work: a status
 * with the Bot Connector's error body {@code {"error":{"code","message"}}} (and, for 429, a
 * {@code Retry-After} or none), no answer at all, or the work done and the answer lost or held back.
 *
 * @param kind       how it fails
 * @param status     the HTTP status ({@link Kind#STATUS})
 * @param code       the error code in the body ({@link Kind#STATUS})
 * @param retryAfter the {@code Retry-After} sent with a 429, or null for none
 * @param bytes      the size of a huge answer ({@link Kind#HUGE})
 */
public record BotConnectorFailure(Kind kind, int status, String code, Duration retryAfter, int bytes) {
    /** How a failure shows. */
    public enum Kind {
        /** An HTTP status with an error body. */
        STATUS,
        /** No answer: the request is left hanging until the client gives up. */
        STALL,
        /** The request is served (a card is stored), then the connection closes without an answer. */
        LOST_ANSWER,
        /**
         * The request is served (a card is stored) and its answer held back: the connection stays open
         * until the client gives up or goes away, as when the bot's node dies waiting.
         */
        HELD_ANSWER,
        /** 201 with a JSON answer of about {@code bytes} bytes, the work not done. */
        HUGE
    }

    /** {@code status} with error {@code code}. */
    public static BotConnectorFailure status(int status, String code) {
        return new BotConnectorFailure(Kind.STATUS, status, code, null, 0);
    }

    /** 429 with {@code Retry-After} in whole seconds; a request sooner is answered 429 again and is a violation. */
    public static BotConnectorFailure rateLimited(Duration retryAfter) {
        return new BotConnectorFailure(Kind.STATUS, 429, "Throttled", retryAfter, 0);
    }

    /** 429 without {@code Retry-After}. */
    public static BotConnectorFailure rateLimitedWithoutRetryAfter() {
        return new BotConnectorFailure(Kind.STATUS, 429, "Throttled", null, 0);
    }

    /** 403 {@code MessageWritesBlocked}: the conversation no longer takes messages from the bot. */
    public static BotConnectorFailure messageWritesBlocked() {
        return status(403, "MessageWritesBlocked");
    }

    /** 413 {@code MessageSizeTooBig}. */
    public static BotConnectorFailure messageSizeTooBig() {
        return status(413, "MessageSizeTooBig");
    }

    /** 412 {@code PreconditionFailed}: a conflict Teams asks to retry. */
    public static BotConnectorFailure preconditionFailed() {
        return status(412, "PreconditionFailed");
    }

    public static BotConnectorFailure badGateway() {
        return status(502, "BadGateway");
    }

    public static BotConnectorFailure gatewayTimeout() {
        return status(504, "GatewayTimeout");
    }

    /** 401, as for a token the Bot Connector no longer accepts. */
    public static BotConnectorFailure unauthorized() {
        return status(401, "Unauthorized");
    }

    public static BotConnectorFailure stall() {
        return new BotConnectorFailure(Kind.STALL, 0, null, null, 0);
    }

    public static BotConnectorFailure lostAnswer() {
        return new BotConnectorFailure(Kind.LOST_ANSWER, 0, null, null, 0);
    }

    public static BotConnectorFailure heldAnswer() {
        return new BotConnectorFailure(Kind.HELD_ANSWER, 0, null, null, 0);
    }

    public static BotConnectorFailure hugeAnswer(int bytes) {
        return new BotConnectorFailure(Kind.HUGE, 201, null, null, bytes);
    }
}
