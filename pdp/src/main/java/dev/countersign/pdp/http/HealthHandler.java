package dev.countersign.pdp.http;

import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /health} (the process answers) and {@code GET /health/ready} (this node can decide:
 * every required readiness check is up). Readiness answers 503 with the failing checks otherwise.
 * A check that is not required (a chat connector: its platform being down does not stop decisions,
 * and approvals stay voteable through the API) is reported without deciding readiness.
 */
public final class HealthHandler {
    /** One thing readiness reports: its name, a probe answering its current state, and whether readiness depends on it. */
    public record Check(String name, Supplier<Status> probe, boolean required) {
        public Check(String name, Supplier<Status> probe) {
            this(name, probe, true);
        }
    }

    /** A check's state: up or not, and details for operators. */
    public record Status(boolean up, Map<String, Object> details) {
        public static Status up(Map<String, Object> details) {
            return new Status(true, details);
        }

        public static Status down(Map<String, Object> details) {
            return new Status(false, details);
        }
    }

    private final List<Check> checks;

    public HealthHandler(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    public void getLive(RoutingContext ctx) {
        Responses.value(ctx, 200, Map.of("status", "up"));
    }

    public void getReady(RoutingContext ctx) {
        boolean ready = true;
        Map<String, Object> results = new LinkedHashMap<>();
        for (Check check : checks) {
            Status s;
            try {
                s = check.probe().get();
            } catch (RuntimeException e) {
                s = Status.down(Map.of("error", e.toString()));
            }
            ready &= s.up() || !check.required();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("status", s.up() ? "up" : "down");
            if (!check.required()) {
                entry.put("required", false);
            }
            entry.putAll(s.details());
            results.put(check.name(), entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "not_ready");
        body.put("checks", results);
        Responses.value(ctx, ready ? 200 : 503, body);
    }
}
