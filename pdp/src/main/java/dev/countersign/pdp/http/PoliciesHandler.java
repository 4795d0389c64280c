package dev.countersign.pdp.http;

import dev.countersign.cluster.member.MemberBundles;
import dev.countersign.pdp.policy.PolicyService;
import dev.countersign.pdp.policy.ReloadAttempt;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.RuleRef;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/policies} (what decides, the last reload, and the revision each cluster member decides
 * with) and {@code POST /v1/policies/reload}.
 */
public final class PoliciesHandler {
    private final PolicyService policies;
    private final MemberBundles members;

    public PoliciesHandler(PolicyService policies, MemberBundles members) {
        this.policies = policies;
        this.members = members;
    }

    public void getPolicies(RoutingContext ctx) {
        CompiledPolicy active = policies.active();
        Map<String, Object> body = new LinkedHashMap<>();
        if (active != null) {
            body.put("revision", active.revision());
            body.put("name", active.bundle().name());
            body.put("default_verdict", active.bundle().defaultVerdict().wireName());
            body.put("activated_at", String.valueOf(policies.activatedAt()));
            body.put("packages", List.copyOf(active.packages()));
            List<Object> rules = new ArrayList<>();
            for (RuleRef r : active.rules()) {
                rules.add(Map.of("name", r.name(), "package", r.packageName(), "source", r.source()));
            }
            body.put("rules", rules);
        }
        ReloadAttempt last = policies.lastAttempt();
        if (last != null) {
            body.put("last_reload", attempt(last));
        }
        List<Object> cluster = new ArrayList<>();
        for (MemberBundles.MemberBundle m : members.all()) {
            cluster.add(Map.of("node", m.node(), "revision", m.revision(), "activated_at", m.activatedAt().toString()));
        }
        body.put("cluster", cluster);
        Responses.value(ctx, 200, body);
    }

    public void reloadPolicies(RoutingContext ctx) {
        policies.reload("POST /v1/policies/reload by " + ((Caller) ctx.get(Caller.CONTEXT_KEY)).name()).onSuccess(attempt -> {
            if (attempt.outcome() == ReloadAttempt.Outcome.REJECTED) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("code", "invalid_bundle");
                body.put("message", attempt.errors().size() + " error(s) in the bundle; the active revision keeps deciding; first: "
                        + attempt.errors().get(0));
                body.put("errors", errors(attempt.errors()));
                Responses.value(ctx, 422, body);
            } else {
                Responses.value(ctx, 200, attempt(attempt));
            }
        }).onFailure(ctx::fail);
    }

    static Map<String, Object> attempt(ReloadAttempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", a.time().toString());
        m.put("trigger", a.trigger());
        m.put("outcome", a.outcome().name().toLowerCase());
        if (a.revision() != null) {
            m.put("revision", a.revision());
            m.put("rules", a.rules());
        }
        m.put("errors", errors(a.errors()));
        m.put("duration_ms", a.durationMillis());
        return m;
    }

    static List<Object> errors(List<PolicyError> errors) {
        List<Object> list = new ArrayList<>();
        for (PolicyError e : errors) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", e.file());
            if (e.line() > 0) {
                m.put("line", e.line());
            }
            if (e.column() > 0) {
                m.put("column", e.column());
            }
            m.put("location", e.location());
            m.put("message", e.message());
            list.add(m);
        }
        return list;
    }
}
