package dev.countersign.pdp.http;

import dev.countersign.pdp.approval.ApprovalIds;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.decision.Decided;
import dev.countersign.pdp.decision.DecisionOutcomes;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.Envelope;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.explain.Explanation;
import dev.countersign.rules.explain.ExplanationJson;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.json.InvalidInputException;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/decisions} (decide one action; with {@code ?explain=full}, for admins, also why) and
 * {@code GET /v1/decisions/{id}} (a recorded decision).
 */
public final class DecisionsHandler {
    /** Fields of a decision request that are not part of the action context. */
    public static final Set<String> ENVELOPE = Set.of("approval_id", "callback_url");
    private static final int MAX_CALLBACK_URL = 2048;

    /** Fields of an outcome report. */
    private static final Set<String> OUTCOME_FIELDS = Set.of("status", "detail", "lineage");
    private static final int MAX_DETAIL = 4096;

    private final DecisionService decisions;
    private final ActionContextReader reader;
    private final DecisionOutcomes outcomes;
    private final ActionContextReader json = new ActionContextReader();

    public DecisionsHandler(DecisionService decisions, int maxDepth) {
        this(decisions, maxDepth, null);
    }

    /** @param outcomes where {@code POST /v1/decisions/{id}/outcome} reports go */
    public DecisionsHandler(DecisionService decisions, int maxDepth, DecisionOutcomes outcomes) {
        this.decisions = decisions;
        this.reader = new ActionContextReader(maxDepth, ENVELOPE);
        this.outcomes = outcomes;
    }

    /**
     * {@code POST /v1/decisions/{id}/outcome} {@code {"status": "succeeded"|"failed", "detail": "…", "lineage": {…}}}: the
     * executor's report of how the allowed action went, by the client that asked for the decision, once.
     */
    public void reportOutcome(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        Object parsed;
        try {
            parsed = json.readValue(Responses.jsonBody(ctx));
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
        if (!(parsed instanceof Map<?, ?> body)) {
            throw ApiError.badRequest("invalid_input", "expected an object such as {\"status\": \"succeeded\", \"detail\": \"...\"}", null);
        }
        for (Object key : body.keySet()) {
            if (!OUTCOME_FIELDS.contains(key)) {
                String at = "/" + key.toString().replace("~", "~0").replace("/", "~1");
                throw ApiError.badRequest("invalid_input", at + ": unknown field; an outcome has \"status\", \"detail\" and \"lineage\"", at);
            }
        }
        Object status = body.get("status");
        if (!"succeeded".equals(status) && !"failed".equals(status)) {
            throw ApiError.badRequest("invalid_input", "/status: expected \"succeeded\" or \"failed\"", "/status");
        }
        Object detail = body.get("detail");
        if (detail != null && !(detail instanceof String)) {
            throw ApiError.badRequest("invalid_input", "/detail: expected a string", "/detail");
        }
        if (detail != null && ((String) detail).length() > MAX_DETAIL) {
            throw ApiError.badRequest("invalid_input", "/detail: longer than " + MAX_DETAIL + " characters", "/detail");
        }
        Object lineage = body.get("lineage");
        if (lineage != null && !(lineage instanceof Map<?, ?>)) {
            throw ApiError.badRequest("invalid_input", "/lineage: expected an object", "/lineage");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> lineageMap = (Map<String, Object>) lineage;
        outcomes.report(id, caller, (String) status, (String) detail, lineageMap)
                .onSuccess(reported -> Responses.value(ctx, reported.repeated() ? 200 : 201, reported.outcome()))
                .onFailure(ctx::fail);
    }

    public void createDecision(RoutingContext ctx) {
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        boolean explain = explainAsked(ctx, caller);
        ActionContextReader.Parsed input = read(reader, Responses.jsonBody(ctx));
        Envelope envelope = envelope(input.envelope());
        if (!explain) {
            decisions.decide(input.context(), "", caller, "decisions", envelope)
                    .onSuccess(decided -> respond(ctx, decided))
                    .onFailure(ctx::fail);
            return;
        }
        CompiledPolicy policy = decisions.policies().active();   // the one decide() evaluates with, read on this same thread
        decisions.decide(input.context(), "", caller, "decisions", envelope)
                .compose(decided -> ctx.vertx().executeBlocking(
                        () -> policy.explainer().explain(input.context(), "", decided.decision()), false)
                        .onSuccess(explanation -> respond(ctx, decided, explanation)))
                .onFailure(ctx::fail);
    }

    /**
     * Whether {@code ?explain=full} asks for an explanation: any other value is a 400, and a caller
     * without the admin scope asking is a 403, both before anything is decided. An explanation shows
     * the values the rules compare with (data documents included), which only admins may read.
     */
    private static boolean explainAsked(RoutingContext ctx, Caller caller) {
        String explain = ctx.request().getParam("explain");
        if (explain == null) {
            return false;
        }
        if (!explain.equals("full")) {
            throw ApiError.badRequest("invalid_parameter", "explain must be full (or be left out)", "explain");
        }
        if (!caller.isLocal() && !caller.has(Scope.ADMIN)) {
            throw ApiError.forbidden("explain=full is for clients with the admin scope: an explanation shows the values rules"
                    + " compare with, data documents included");
        }
        return true;
    }

    /** The approval to redeem and the URL to call back, checked. */
    private Envelope envelope(Map<String, Object> fields) {
        Object approvalId = fields.get("approval_id");
        Object callback = fields.get("callback_url");
        if (approvalId != null && !(approvalId instanceof String id && ApprovalIds.looksValid(id))) {
            throw ApiError.badRequest("invalid_input", "/approval_id: expected an approval id, \"apr_\" and 26 lowercase letters and"
                    + " digits", "/approval_id");
        }
        if (callback != null) {
            if (!(callback instanceof String url) || !isHttpUrl(url)) {
                throw ApiError.badRequest("invalid_input", "/callback_url: expected an absolute http or https URL", "/callback_url");
            }
            if (url.length() > MAX_CALLBACK_URL) {
                throw ApiError.badRequest("invalid_input", "/callback_url: longer than " + MAX_CALLBACK_URL + " characters", "/callback_url");
            }
            if (decisions.approvals() == null || !decisions.approvals().callbacksEnabled()) {
                throw ApiError.badRequest("callbacks_disabled", "/callback_url: this server sends no callbacks; its operator sets"
                        + " approvals.callback_secret to sign them", "/callback_url");
            }
            String refused = decisions.approvals().callbackRefusal(url);
            if (refused != null) {
                throw ApiError.badRequest("callback_not_allowed", "/callback_url: " + refused, "/callback_url");
            }
        }
        return approvalId == null && callback == null ? Envelope.NONE : new Envelope((String) approvalId, (String) callback);
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.isAbsolute() && ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** A recorded decision, to the client that asked for it and to admins; to anyone else it does not exist. */
    public void getDecision(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        decisions.find(id).onSuccess(record -> {
            boolean visible = record != null && (caller.isLocal() || caller.has(Scope.ADMIN)
                    || caller.name().equals(record.get("caller")));
            if (!visible) {
                ctx.fail(ApiError.notFound("no decision " + id + " is recorded (unknown, or older than the retention time)"));
            } else {
                Responses.value(ctx, 200, record);
            }
        }).onFailure(ctx::fail);
    }

    static void respond(RoutingContext ctx, Decided decided) {
        respond(ctx, decided, null);
    }

    /** The decision, with its {@code explanation} when there is one. */
    static void respond(RoutingContext ctx, Decided decided, Explanation explanation) {
        Responses.json(ctx, 200, g -> {
            g.writeStartObject();
            DecisionJson.writeFields(g, decided.decision(), decided.approvalExtras());
            if (decided.attestation() != null) {
                g.writeStringField("attestation", decided.attestation());
            }
            if (explanation != null) {
                g.writeFieldName("explanation");
                ExplanationJson.write(g, explanation);
            }
            g.writeEndObject();
        });
    }

    /** Reads an action context, turning a bad one into a 400 that names the problem and where it is. */
    static ActionContextReader.Parsed read(ActionContextReader reader, byte[] body) {
        try {
            return reader.readDocument(body);
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        }
    }
}
