package dev.countersign.pdp.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.pdp.decision.Decided;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.Envelope;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenID AuthZEN Authorization API 1.0: {@code POST /access/v1/evaluation} (one decision),
 * {@code POST /access/v1/evaluations} (a batch) and {@code GET /.well-known/authzen-configuration}
 * (the PDP's metadata). Each evaluation is read by {@link AuthZenMapping} and decided by
 * {@link DecisionService} with the whole bundle, as {@code /v1/decisions} decides: held when it needs
 * approval, redeemed once when it carries {@code context.approval_id}, recorded and audited
 * ({@code via: authzen}). A deny and a needs_approval are {@code decision: false}.
 */
public final class AuthZenHandler {
    public static final String EVALUATION = "/access/v1/evaluation";
    public static final String EVALUATIONS = "/access/v1/evaluations";
    public static final String CONFIGURATION = "/.well-known/authzen-configuration";
    static final String REQUEST_ID = "X-Request-ID";
    private static final String VIA = "authzen";
    /** The most evaluations one batch may hold: each is decided on the event loop, one after another. */
    static final int MAX_EVALUATIONS = 1000;

    /** {@code options.evaluations_semantic}: which decision, if any, ends a batch early. */
    enum Semantic {
        EXECUTE_ALL, DENY_ON_FIRST_DENY, PERMIT_ON_FIRST_PERMIT;

        boolean stopsAt(boolean decision) {
            return this == DENY_ON_FIRST_DENY ? !decision : this == PERMIT_ON_FIRST_PERMIT && decision;
        }
    }

    private final DecisionService decisions;
    private final int maxDepth;
    private final String baseUrl;

    /** @param baseUrl {@code authzen.pdp_base_url}, or null to answer discovery from the request's scheme and host */
    public AuthZenHandler(DecisionService decisions, int maxDepth, String baseUrl) {
        this.decisions = decisions;
        this.maxDepth = maxDepth;
        this.baseUrl = baseUrl;
    }

    /** Echoes the request's {@code X-Request-ID} on whatever this request is answered, errors included. */
    public static void echoRequestId(RoutingContext ctx) {
        String id = ctx.request().getHeader(REQUEST_ID);
        if (id != null) {
            ctx.response().putHeader(REQUEST_ID, id);
        }
        ctx.next();
    }

    public void evaluation(RoutingContext ctx) {
        Map<String, Object> request = body(ctx);
        evaluate(request, "", ctx.get(Caller.CONTEXT_KEY))
                .onSuccess(answer -> Responses.value(ctx, 200, answer))
                .onFailure(ctx::fail);
    }

    /**
     * A batch: the top-level subject, action, resource and context are defaults each item's own
     * member replaces whole; answered in request order, each item's problem as its own
     * {@code decision: false} with {@code context.error}; without items, one evaluation of the defaults.
     */
    public void evaluations(RoutingContext ctx) {
        Map<String, Object> request = body(ctx);
        Semantic semantic = semantic(request.get("options"));
        Object items = request.get("evaluations");
        if (items != null && !(items instanceof List<?>)) {
            throw AuthZenMapping.invalid("/evaluations", "expected an array of evaluations, got " + AuthZenMapping.kind(items));
        }
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        if (items == null || ((List<?>) items).isEmpty()) {
            evaluate(request, "", caller).onSuccess(answer -> Responses.value(ctx, 200, answer)).onFailure(ctx::fail);
            return;
        }
        if (((List<?>) items).size() > MAX_EVALUATIONS) {
            throw AuthZenMapping.invalid("/evaluations", ((List<?>) items).size() + " evaluations; a batch holds at most " + MAX_EVALUATIONS);
        }
        List<Map<String, Object>> answers = new ArrayList<>();
        batch(request, (List<?>) items, semantic, caller, answers)
                .onSuccess(done -> Responses.value(ctx, 200, Map.of("evaluations", answers)))
                .onFailure(ctx::fail);
    }

    /**
     * Decides the items in order until the last or one that {@code semantic} stops at, looping while
     * decisions complete at once (so a long batch does not deepen the stack) and resuming when one
     * completes later. Fails only for a failure that is not an {@link ApiError} (the cluster...).
     */
    private Future<Void> batch(Map<String, Object> defaults, List<?> items, Semantic semantic, Caller caller,
                               List<Map<String, Object>> answers) {
        Promise<Void> done = Promise.promise();
        next(defaults, items, 0, semantic, caller, answers, done);
        return done.future();
    }

    private void next(Map<String, Object> defaults, List<?> items, int from, Semantic semantic, Caller caller,
                      List<Map<String, Object>> answers, Promise<Void> done) {
        for (int index = from; index < items.size(); index++) {
            Future<Map<String, Object>> answer = item(defaults, items.get(index), "/evaluations/" + index, caller);
            if (!answer.isComplete()) {
                int resumeAt = index + 1;
                answer.onComplete(result -> {
                    if (result.failed()) {
                        done.fail(result.cause());
                    } else if (!took(result.result(), semantic, answers)) {
                        done.complete();
                    } else {
                        next(defaults, items, resumeAt, semantic, caller, answers, done);
                    }
                });
                return;
            }
            if (answer.failed()) {
                done.fail(answer.cause());
                return;
            }
            if (!took(answer.result(), semantic, answers)) {
                break;
            }
        }
        done.complete();
    }

    /** Adds {@code answer}; whether the batch goes on after it. */
    private static boolean took(Map<String, Object> answer, Semantic semantic, List<Map<String, Object>> answers) {
        answers.add(answer);
        return !semantic.stopsAt(Boolean.TRUE.equals(answer.get("decision")));
    }

    /** One item's answer; its problem (an {@link ApiError}) as a {@code decision: false} with {@code context.error}. */
    private Future<Map<String, Object>> item(Map<String, Object> defaults, Object item, String at, Caller caller) {
        if (!(item instanceof Map<?, ?>)) {
            return Future.succeededFuture(error(AuthZenMapping.invalid(at, "expected an object, got " + AuthZenMapping.kind(item))));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> own = (Map<String, Object>) item;
        return evaluate(AuthZenMapping.merged(defaults, own), at, caller).recover(AuthZenHandler::itemFailure);
    }

    private Future<Map<String, Object>> evaluate(Map<String, Object> request, String at, Caller caller) {
        AuthZenMapping.Evaluation evaluation;
        try {
            evaluation = AuthZenMapping.read(request, at);
        } catch (ApiError e) {
            return Future.failedFuture(e);
        }
        Envelope envelope = evaluation.approvalId() == null ? Envelope.NONE : new Envelope(evaluation.approvalId(), null);
        return decisions.decide(evaluation.context(), "", caller, VIA, envelope).map(AuthZenHandler::answer);
    }

    /** {@code {"decision", "context": {decision_id, verdict, reasons, bundle_revision, reason?, approval?}}}. */
    static Map<String, Object> answer(Decided decided) {
        Decision d = decided.decision();
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("decision_id", d.decisionId());
        context.put("verdict", d.verdict().wireName());
        List<Object> reasons = new ArrayList<>();
        for (Reason r : d.reasons()) {
            Map<String, Object> reason = new LinkedHashMap<>();
            reason.put("rule", r.rule());
            reason.put("package", r.packageName());
            reason.put("verdict", r.verdict().wireName());
            reason.put("message", r.message());
            if (r.source() != null) {
                reason.put("source", r.source());
            }
            reason.put("controls", r.controls());
            reasons.add(reason);
        }
        context.put("reasons", reasons);
        if (d.verdict() == Verdict.NEEDS_APPROVAL) {
            context.put("reason", "needs_approval");
            Map<String, Object> approval = new LinkedHashMap<>(decided.approvalExtras());
            approval.put("groups", d.approval() == null ? List.of() : d.approval().groups());
            context.put("approval", approval);
        } else if (!decided.approvalExtras().isEmpty()) {
            context.put("approval", decided.approvalExtras());
        }
        context.put("bundle_revision", d.bundleRevision());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("decision", d.verdict() == Verdict.ALLOW);
        answer.put("context", context);
        return answer;
    }

    private static Future<Map<String, Object>> itemFailure(Throwable failure) {
        if (failure instanceof ApiError e) {
            return Future.succeededFuture(error(e));
        }
        return Future.failedFuture(failure);
    }

    /** An item that could not be decided: {@code decision: false}, {@code context.error {status, message}}. */
    private static Map<String, Object> error(ApiError e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("status", e.status());
        error.put("message", e.getMessage());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("decision", false);
        answer.put("context", Map.of("error", error));
        return answer;
    }

    /** The PDP's metadata: its base URL and the absolute URLs of both evaluation endpoints. */
    public void configuration(RoutingContext ctx) {
        String base = baseUrl != null ? baseUrl : requestBase(ctx.request());
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("policy_decision_point", base);
        metadata.put("access_evaluation_endpoint", base + EVALUATION);
        metadata.put("access_evaluations_endpoint", base + EVALUATIONS);
        Responses.value(ctx, 200, metadata);
    }

    /** The scheme and host the client used, from the request line or its Host header. */
    static String requestBase(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        String scheme = request.scheme() == null ? "http" : request.scheme();
        if (authority == null) {
            HostAndPort local = request.localAddress() == null ? null
                    : HostAndPort.create(request.localAddress().hostAddress(), request.localAddress().port());
            authority = local;
        }
        if (authority == null) {
            return scheme + "://localhost";
        }
        String host = authority.host().contains(":") && !authority.host().startsWith("[") ? "[" + authority.host() + "]" : authority.host();
        return scheme + "://" + host + (authority.port() >= 0 ? ":" + authority.port() : "");
    }

    private static Semantic semantic(Object options) {
        if (options == null) {
            return Semantic.EXECUTE_ALL;
        }
        if (!(options instanceof Map<?, ?> map)) {
            throw AuthZenMapping.invalid("/options", "expected an object, got " + AuthZenMapping.kind(options));
        }
        Object value = map.get("evaluations_semantic");
        if (value == null) {
            return Semantic.EXECUTE_ALL;
        }
        for (Semantic s : Semantic.values()) {
            if (s.name().toLowerCase().equals(value)) {
                return s;
            }
        }
        throw AuthZenMapping.invalid("/options/evaluations_semantic", "expected execute_all, deny_on_first_deny or permit_on_first_permit, got "
                + (value instanceof String ? "\"" + value + "\"" : AuthZenMapping.kind(value)));
    }

    /**
     * The body as a JSON object: a 400 when it is not sent as {@code application/json} (one
     * Content-Type), is empty, is not JSON, or is not an object; 415 for a content coding.
     */
    private Map<String, Object> body(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.headers().getAll(HttpHeaders.CONTENT_TYPE).size() > 1) {
            throw ApiError.badRequest("duplicate_header", "the request carries Content-Type more than once; send one", "Content-Type");
        }
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.split(";", 2)[0].trim().equalsIgnoreCase("application/json")) {
            throw ApiError.badRequest("unsupported_media_type", "an AuthZEN request is sent with Content-Type: application/json (got "
                    + (type == null ? "none" : type) + ")", "Content-Type");
        }
        String coding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (coding != null && !coding.trim().equalsIgnoreCase("identity")) {
            throw new ApiError(415, "unsupported_media_type", "the body must be sent without a content coding (got Content-Encoding: "
                    + coding + ")", "Content-Encoding");
        }
        byte[] bytes = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (bytes.length == 0) {
            throw ApiError.badRequest("invalid_input", "the body is empty; send an AuthZEN request object", null);
        }
        return object(bytes, maxDepth);
    }

    /** {@code bytes} as one JSON object (nesting at most {@code maxDepth} deep, no key twice in an object), or a 400 naming where it is not. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(byte[] bytes, int maxDepth) {
        try (JsonParser p = Json.parser(bytes)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);   // a key given twice means what each reader picks
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw ApiError.badRequest("invalid_input", "the body must be a JSON object, got "
                        + (first == null ? "nothing" : JsonValues.describe(first)), null);
            }
            Object value = JsonValues.read(p, "", 1, maxDepth);
            JsonToken after = p.nextToken();
            if (after != null) {
                throw ApiError.badRequest("invalid_json", "the body goes on after its JSON object (line " + p.currentLocation().getLineNr()
                        + ", column " + p.currentLocation().getColumnNr() + ")", null);
            }
            return (Map<String, Object>) value;
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw ApiError.badRequest("invalid_json", "the body is not valid JSON: " + e.getOriginalMessage() + where, null);
        } catch (IOException e) {
            throw ApiError.badRequest("invalid_json", "the body cannot be read as JSON: " + e.getMessage(), null);
        }
    }
}
