package dev.countersign.connectors;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A send that failed, classified for the caller, which alone retries:
 * <ul>
 *   <li>{@link Kind#PERMANENT}: retrying the same request cannot succeed (Slack's {@code ok:false}
 *       codes such as {@code channel_not_found}, {@code not_in_channel}, {@code invalid_auth},
 *       {@code invalid_blocks}, {@code is_archived}, {@code msg_too_long}, {@code missing_scope},
 *       {@code token_revoked}, {@code message_not_found}, {@code cant_update_message}; a webhook's 4xx;
 *       a destination the egress rules refuse). Do not retry.</li>
 *   <li>{@link Kind#RATE_LIMITED}: the platform asked to wait {@link #retryAfter()} (HTTP 429 and its
 *       {@code Retry-After}); retry no sooner.</li>
 *   <li>{@link Kind#TRANSIENT}: the platform could not be reached or failed (connection refused, a
 *       timeout, a 5xx, an answer that is not the platform's); retry with backoff.</li>
 * </ul>
 * {@link #code()} is the platform's error code where it gave one ({@code channel_not_found}), else
 * one of ours ({@code http_503}, {@code unreachable}, {@code timeout}, {@code egress_refused}).
 * The message never contains a token or secret, nor a webhook URL's path or query.
 */
public final class ConnectorFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** How the caller should treat a failure. */
    public enum Kind { PERMANENT, RATE_LIMITED, TRANSIENT }

    private final Kind kind;
    private final String code;
    private final Duration retryAfter;

    private ConnectorFailure(Kind kind, String code, Duration retryAfter, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind);
        this.code = Objects.requireNonNull(code);
        this.retryAfter = retryAfter;
    }

    /** A failure that retrying cannot fix. */
    public static ConnectorFailure permanent(String code, String message) {
        return new ConnectorFailure(Kind.PERMANENT, code, null, message);
    }

    /** The platform asked to wait {@code retryAfter} before the next request. */
    public static ConnectorFailure rateLimited(String code, Duration retryAfter, String message) {
        return new ConnectorFailure(Kind.RATE_LIMITED, code, Objects.requireNonNull(retryAfter), message);
    }

    /** A failure that may pass: retry with backoff. */
    public static ConnectorFailure transientFailure(String code, String message) {
        return new ConnectorFailure(Kind.TRANSIENT, code, null, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The platform's error code, or ours when it gave none. */
    public String code() {
        return code;
    }

    /** How long to wait before retrying, when the platform said so. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public boolean isPermanent() {
        return kind == Kind.PERMANENT;
    }
}
