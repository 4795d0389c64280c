package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.pdp.approval.CallbackDestinations;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code approvals}: the callback secret and destinations, the longest wait, the sweep interval, and whether one person counts once. */
final class ApprovalsSection {
    private ApprovalsSection() {
    }

    static ServerConfig.Approvals read(Settings r, JsonNode approvals) throws ConfigException {
        r.keys(approvals, "approvals", Set.of("callback_secret", "max_wait", "sweep_interval", "callback_hosts", "distinct_reviewers"));
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
                r.bool(approvals, "approvals.distinct_reviewers", true));
    }
}
