package dev.countersign.pdp.http;

import com.google.rpc.Code;
import com.google.rpc.Status;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import dev.countersign.cluster.StandingException;
import dev.countersign.cluster.TamperedStateException;
import dev.countersign.cluster.Unanswered;
import dev.countersign.pdp.decision.Decided;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.json.Json;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A check's answer as Envoy reads it. allow: status OK, and {@code ok_response} sets
 * {@code x-countersign-decision-id} and {@code x-countersign-verdict} on the request Envoy forwards.
 * deny: {@code PERMISSION_DENIED}, and {@code denied_response} answers the client 403 with
 * {@code x-countersign-decision-id}, {@code -verdict}, {@code -reasons} (rule names, percent-encoded,
 * comma-separated) and the decision as a JSON body; needs_approval: the same, with
 * {@code x-countersign-approval} (the approval's id). A request that could not be decided is denied
 * with its problem: the status of the HTTP API's refusal ({@code INVALID_ARGUMENT} and 400 for a
 * malformed check, {@code UNAVAILABLE} and 503 with {@code retry-after} when the audit log or the
 * cluster cannot take it...) and {@code {"code", "message", "location"?}} as the body.
 */
final class CheckAnswers {
    private static final Logger LOG = LoggerFactory.getLogger(CheckAnswers.class);
    private static final HeaderValueOption JSON = header("content-type", "application/json");

    private CheckAnswers() {
    }

    static CheckResponse of(Decided decided) {
        Decision d = decided.decision();
        HeaderValueOption id = header("x-countersign-decision-id", d.decisionId());
        HeaderValueOption verdict = header("x-countersign-verdict", d.verdict().wireName());
        switch (d.verdict()) {
            case ALLOW:
                return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                        .setOkResponse(OkHttpResponse.newBuilder().addHeaders(id).addHeaders(verdict)).build();
            default:
                DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
                        .addHeaders(id).addHeaders(verdict)
                        .addHeaders(header("x-countersign-reasons", d.reasons().stream().map(Reason::rule)
                                .map(name -> URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
                                .collect(Collectors.joining(","))))
                        .addHeaders(JSON);
                if (d.verdict() == dev.countersign.rules.Verdict.NEEDS_APPROVAL) {
                    Object approval = decided.approvalExtras().get("id");
                    denied.addHeaders(header("x-countersign-approval", approval != null ? approval.toString()
                            : "required; groups=" + String.join(",", d.approval().groups())));
                }
                byte[] body = Json.write(g -> {
                    g.writeStartObject();
                    DecisionJson.writeFields(g, d, decided.approvalExtras());
                    g.writeEndObject();
                });
                denied.setBody(new String(body, StandardCharsets.UTF_8));
                return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE)
                        .setMessage(d.verdict().wireName())).setDeniedResponse(denied).build();
        }
    }

    /** The deny that answers a check that failed with {@code failure}, saying what went wrong. */
    static CheckResponse of(Throwable failure) {
        ApiError e = refusal(failure);
        DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(httpStatus(e.status())))
                .addHeaders(header("x-countersign-error", e.code()))
                .addHeaders(JSON)
                .setBody(new String(Json.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("code", e.code());
                    g.writeStringField("message", e.getMessage());
                    if (e.location() != null) {
                        g.writeStringField("location", e.location());
                    }
                    g.writeEndObject();
                }), StandardCharsets.UTF_8));
        if (e.retryAfterSeconds() > 0) {
            denied.addHeaders(header("retry-after", Long.toString(e.retryAfterSeconds())));
        }
        return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(rpcCode(e.status()).getNumber())
                .setMessage(e.code() + ": " + e.getMessage())).setDeniedResponse(denied).build();
    }

    /** {@code failure} as the HTTP API would refuse it (see {@link ApiRouter}'s failure handler); anything else is logged. */
    static ApiError refusal(Throwable failure) {
        if (failure instanceof ApiError e) {
            return e;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StandingException standing) {
                return ApiError.unavailable(standing.code(), standing.getMessage() + "; retry in a few seconds, or ask another node", 5);
            }
            if (cause instanceof TamperedStateException tampered) {
                return new ApiError(409, "approval_tampered", tampered.getMessage());
            }
            if (cause instanceof HazelcastInstanceNotActiveException) {
                return ApiError.unavailable("cluster_unavailable", "this node has left its cluster; ask another node", 5);
            }
        }
        Throwable unanswered = Unanswered.in(failure);
        if (unanswered != null) {
            return ApiError.unavailable("cluster_unavailable", "the cluster member holding this state did not answer ("
                    + unanswered.getClass().getSimpleName() + "); retry in a few seconds, or ask another node", 5);
        }
        LOG.error("ext_authz check failed", failure);
        return new ApiError(500, "internal", "the server failed to decide the check; the failure is logged");
    }

    private static StatusCode httpStatus(int status) {
        StatusCode code = StatusCode.forNumber(status);
        return code == null ? StatusCode.InternalServerError : code;
    }

    static Code rpcCode(int status) {
        switch (status) {
            case 400:
            case 413:
                return Code.INVALID_ARGUMENT;
            case 401:
                return Code.UNAUTHENTICATED;
            case 403:
                return Code.PERMISSION_DENIED;
            case 404:
                return Code.NOT_FOUND;
            case 409:
                return Code.FAILED_PRECONDITION;
            case 429:
                return Code.RESOURCE_EXHAUSTED;
            case 503:
                return Code.UNAVAILABLE;
            default:
                return Code.INTERNAL;
        }
    }

    /** A header Envoy sets, replacing any the client sent under the same name. */
    private static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
    }
}
