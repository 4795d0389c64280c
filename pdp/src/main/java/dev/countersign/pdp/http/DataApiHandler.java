package dev.countersign.pdp.http;

import dev.countersign.pdp.decision.Decided;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.WireReasons;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.model.ActionContext;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OPA-compatible Data API, so OPA clients and gateway plugins work unchanged.
 * <ul>
 * <li>{@code POST /v1/data/{path}} with {@code {"input": {...}}} (or {@code GET} with {@code ?input=<json>})
 * answers {@code {"decision_id": ..., "result": {"allow", "verdict", "reasons", "approval"?, "bundle_revision"}}}.
 * {@code {path}} selects the rules of the DRL packages at and under it ({@code policies/export} is package
 * {@code policies.export} and below); a path ending in one of the result's keys ({@code .../allow})
 * answers that value alone ({@code {"result": true}}); needs_approval is not allow.</li>
 * <li>A path that names no package answers 200 without a {@code result}, as OPA does for an undefined document.</li>
 * <li>{@code POST /v0/data/{path}} takes the input itself as the body and answers the value itself;
 * an undefined document is a 404.</li>
 * <li>{@code ?pretty=true} indents; {@code ?metrics=true} adds timings under OPA's names; {@code ?provenance=true} adds the revision.</li>
 * </ul>
 */
public final class DataApiHandler {
    /** The keys of a result document, addressable as the last segment of a path. */
    static final Set<String> RESULT_KEYS = Set.of("allow", "verdict", "reasons", "approval", "bundle_revision");

    private final DecisionService decisions;
    private final ActionContextReader reader;
    private final String version;

    public DataApiHandler(DecisionService decisions, int maxDepth, String version) {
        this.decisions = decisions;
        this.reader = new ActionContextReader(maxDepth, Set.of());
        this.version = version;
    }

    /** What a data path addresses: the rules of package {@code scope} and below, and the key of their result, if any. */
    record Target(String scope, String key) {
    }

    public void postDataV1(RoutingContext ctx) {
        long started = System.nanoTime();
        Target target = resolve(ctx);
        byte[] body = Responses.jsonBody(ctx);
        ActionContext input = readInput(body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body);
        answerV1(ctx, target, input, started);
    }

    public void getDataV1(RoutingContext ctx) {
        long started = System.nanoTime();
        Target target = resolve(ctx);
        String query = ctx.request().getParam("input");
        ActionContext input = null;
        if (query != null) {
            try {
                input = reader.read(query.getBytes(StandardCharsets.UTF_8));
            } catch (InvalidInputException e) {
                throw ApiError.badRequest(e.code(), "/input" + e.pointer() + ": " + e.getMessage(), "/input" + e.pointer());
            }
        }
        answerV1(ctx, target, input, started);
    }

    public void postDataV0(RoutingContext ctx) {
        Target target = resolve(ctx);
        byte[] body = Responses.jsonBody(ctx);
        if (target == null) {
            throw new ApiError(404, "undefined_document", "document missing: data/" + path(ctx));
        }
        ActionContext input;
        try {
            input = reader.read(body);
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
        decisions.decide(input, target.scope(), ctx.get(Caller.CONTEXT_KEY), "data_api").onSuccess(decided -> {
            Object value = value(document(decided), target.key());
            if (value == null) {
                ctx.fail(new ApiError(404, "undefined_document", "document missing: data/" + path(ctx)));
            } else {
                Responses.value(ctx, 200, value);
            }
        }).onFailure(ctx::fail);
    }

    private void answerV1(RoutingContext ctx, Target target, ActionContext input, long started) {
        if (target == null) {
            Responses.value(ctx, 200, Map.of());
            return;
        }
        if (input == null) {
            throw ApiError.badRequest("invalid_input", "the request has no input; send {\"input\": <action context>}", "/input");
        }
        long evaluating = System.nanoTime();
        decisions.decide(input, target.scope(), ctx.get(Caller.CONTEXT_KEY), "data_api").onSuccess(decided -> {
            long evaluated = System.nanoTime();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("decision_id", decided.decision().decisionId());
            Object value = value(document(decided), target.key());
            if (value != null) {
                body.put("result", value);
            }
            if ("true".equals(ctx.request().getParam("metrics"))) {
                body.put("metrics", Map.of("timer_server_handler_ns", evaluated - started, "timer_rego_query_eval_ns", evaluated - evaluating));
            }
            if ("true".equals(ctx.request().getParam("provenance"))) {
                body.put("provenance", Map.of("version", version,
                        "bundles", Map.of(decisions.policies().active().bundle().name(),
                                Map.of("revision", decided.decision().bundleRevision()))));
            }
            Responses.value(ctx, 200, body);
        }).onFailure(ctx::fail);
    }

    private ActionContext readInput(byte[] body) {
        try {
            return reader.readMember(body, "input");
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
    }

    /** The path's package and key, or null when it addresses no rules (an undefined document). */
    private Target resolve(RoutingContext ctx) {
        CompiledPolicy policy = decisions.policies().active();
        List<String> segments = new ArrayList<>();
        for (String s : path(ctx).split("/")) {
            if (!s.isEmpty()) {
                segments.add(s);
            }
        }
        String scope = String.join(".", segments);
        if (policy.covers(scope)) {
            return new Target(scope, null);
        }
        String last = segments.get(segments.size() - 1);
        String prefix = String.join(".", segments.subList(0, segments.size() - 1));
        if (RESULT_KEYS.contains(last) && policy.covers(prefix)) {
            return new Target(prefix, last);
        }
        return null;
    }

    private static String path(RoutingContext ctx) {
        String p = ctx.pathParam("*");
        return p == null ? "" : p;
    }

    /** The result document of a decision, in OPA's shape. */
    static Map<String, Object> document(Decided decided) {
        Decision d = decided.decision();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("allow", d.verdict() == Verdict.ALLOW);
        doc.put("verdict", d.verdict().wireName());
        doc.put("reasons", new WireReasons(d.reasons()));
        if (d.approval() != null) {
            doc.put("approval", DecisionService.approval(d.approval(), decided.approvalExtras()));
        }
        doc.put("bundle_revision", d.bundleRevision());
        return doc;
    }

    private static Object value(Map<String, Object> document, String key) {
        return key == null ? document : document.get(key);
    }
}
