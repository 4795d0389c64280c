package dev.countersign.pdp.http;

import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /health} (the process answers) and {@code GET /health/ready} (this node can decide:
 * every readiness check is up). Readiness answers 503 with the failing checks otherwise.
 */
public final class HealthHandler {
    /** One thing readiness depends on: its name and a probe answering its current state. */
    public record Check(String name, Supplier<Status> probe) {
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
            ready &= s.up();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("status", s.up() ? "up" : "down");
            entry.putAll(s.details());
            results.put(check.name(), entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "not_ready");
        body.put("checks", results);
        Responses.value(ctx, ready ? 200 : 503, body);
    }
}
