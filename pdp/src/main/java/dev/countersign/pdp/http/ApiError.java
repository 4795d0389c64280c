package dev.countersign.pdp.http;

/**
 * A request the API refuses, as it goes on the wire: an HTTP status, a stable code, a message that
 * says what is wrong, and where when that is known (a JSON pointer into the body, a parameter, a
 * header, a {@code file:line}). Handlers fail the routing context with one; the router's failure
 * handler writes it as {@code {"code": ..., "message": ..., "location": ...}}, with
 * {@code Retry-After} when the refusal says when to try again.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String location;
    private final long retryAfterSeconds;

    private ApiError(int status, String code, String message, String location, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.location = location;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ApiError(int status, String code, String message, String location) {
        this(status, code, message, location, 0);
    }

    public ApiError(int status, String code, String message) {
        this(status, code, message, null);
    }

    public static ApiError badRequest(String code, String message, String location) {
        return new ApiError(400, code, message, location);
    }

    /** The 400 of a body that failed reading: its code and message, at its JSON pointer (none for the whole body). */
    public static ApiError invalid(dev.countersign.rules.json.InvalidInputException e) {
        return badRequest(e.code(), e.describe(), e.pointer().isEmpty() ? null : e.pointer());
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "unauthorized", message);
    }

    public static ApiError forbidden(String message) {
        return new ApiError(403, "forbidden", message);
    }

    /** 503 {@code code}, to be tried again after {@code retryAfterSeconds} (at least 1). */
    public static ApiError unavailable(String code, String message, long retryAfterSeconds) {
        return new ApiError(503, code, message, null, Math.max(1, retryAfterSeconds));
    }

    /** 429 {@code rate_limited}, to be tried again after {@code retryAfterSeconds} (at least 1). */
    public static ApiError rateLimited(String message, long retryAfterSeconds) {
        return new ApiError(429, "rate_limited", message, null, Math.max(1, retryAfterSeconds));
    }

    /** 429 {@code code}: a limit is reached, to be tried again after {@code retryAfterSeconds} (at least 1). */
    public static ApiError tooMany(String code, String message, long retryAfterSeconds) {
        return new ApiError(429, code, message, null, Math.max(1, retryAfterSeconds));
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String location() {
        return location;
    }

    /** When to try again, in whole seconds; 0 when the refusal does not say. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
