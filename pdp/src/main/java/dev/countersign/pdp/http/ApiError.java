package dev.countersign.pdp.http;

/**
 * A request the API refuses, as it goes on the wire: an HTTP status, a stable code, a message that
 * says what is wrong, and where when that is known (a JSON pointer into the body, a parameter, a
 * {@code file:line}). Handlers fail the routing context with one; the router's failure handler writes
 * it as {@code {"code": ..., "message": ..., "location": ...}}.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String location;

    public ApiError(int status, String code, String message, String location) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.location = location;
    }

    public ApiError(int status, String code, String message) {
        this(status, code, message, null);
    }

    public static ApiError badRequest(String code, String message, String location) {
        return new ApiError(400, code, message, location);
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

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String location() {
        return location;
    }
}
