package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.pdp.approval.CallbackDestinations;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code approvals}: the callback secret and destinations, the longest wait, the sweep interval,
 * whether one person counts once, and the limits ({@link ServerConfig.ApprovalLimits}).
 */
final class ApprovalsSection {
    private ApprovalsSection() {
    }

    static ServerConfig.Approvals read(Settings r, JsonNode approvals) throws ConfigException {
        r.keys(approvals, "approvals", Set.of("callback_secret", "max_wait", "sweep_interval", "callback_hosts", "distinct_reviewers",
                "max_pending_per_client", "max_ttl", "max_context_bytes", "max_waiters"));
        String secret = r.text(approvals, "approvals.callback_secret", null);
        if (secret != null && secret.length() < 16) {
            throw r.error("approvals.callback_secret must be at least 16 characters");
        }
        List<String> callbackHosts = r.texts(approvals, "approvals.callback_hosts");
        for (String h : callbackHosts) {
            String why = CallbackDestinations.invalidEntry(h);
            if (why != null) {
                throw r.error("approvals.callback_hosts: " + why);
            }
        }
        return new ServerConfig.Approvals(secret,
                r.duration(approvals, "approvals.max_wait", Duration.ofMinutes(5)),
                r.duration(approvals, "approvals.sweep_interval", Duration.ofSeconds(1)), callbackHosts,
                r.bool(approvals, "approvals.distinct_reviewers", true), limits(r, approvals));
    }

    private static ServerConfig.ApprovalLimits limits(Settings r, JsonNode approvals) throws ConfigException {
        ServerConfig.ApprovalLimits d = ServerConfig.ApprovalLimits.DEFAULT;
        long maxPending = r.integer(approvals, "approvals.max_pending_per_client", (long) d.maxPendingPerClient());
        long maxContext = r.integer(approvals, "approvals.max_context_bytes", (long) d.maxContextBytes());
        long maxWaiters = r.integer(approvals, "approvals.max_waiters", (long) d.maxWaiters());
        for (Object[] limit : new Object[][] {{"max_pending_per_client", maxPending}, {"max_context_bytes", maxContext},
                {"max_waiters", maxWaiters}}) {
            long value = (Long) limit[1];
            if (value < 1 || value > Integer.MAX_VALUE) {
                throw r.error("approvals." + limit[0] + " must be a whole number from 1 to " + Integer.MAX_VALUE + ", not " + value);
            }
        }
        Duration maxTtl = r.duration(approvals, "approvals.max_ttl", d.maxTtl());
        if (maxTtl.isZero()) {
            throw r.error("approvals.max_ttl must be longer than zero, such as PT24H");
        }
        return new ServerConfig.ApprovalLimits((int) maxPending, maxTtl, (int) maxContext, (int) maxWaiters);
    }
}
