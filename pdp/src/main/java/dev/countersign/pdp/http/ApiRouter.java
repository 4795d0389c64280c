package dev.countersign.pdp.http;

import static dev.countersign.pdp.config.Scope.ADMIN;
import static dev.countersign.pdp.config.Scope.DECIDE;
import static dev.countersign.pdp.config.Scope.REVIEW;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import dev.countersign.cluster.StandingException;
import dev.countersign.cluster.TamperedStateException;
import dev.countersign.cluster.Unanswered;
import dev.countersign.pdp.agents.McpGateway;
import dev.countersign.pdp.agents.PreToolUseHandler;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.metrics.ServerMetrics;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route table: every route of the API on one line, each wrapped alike (named for metrics; its
 * caller admitted from the headers alone, before its body is read: authenticated with the scopes it
 * needs and held to its rate, see {@link Admission}; then its body bounded), and one failure handler
 * that turns any failure into a JSON error. Health, metrics, AuthZEN discovery and the attestation keys need no credentials.
 */
public final class ApiRouter {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);
    private static final Set<Scope> ANY_SCOPE = EnumSet.allOf(Scope.class);
    /** A route anyone may call, without a body: health, metrics and AuthZEN discovery. */
    private static final Admission.Check PUBLIC = null;
    /** A route a chat platform calls, whose requests its handler authenticates by the platform's signature over the body (Slack) or its signed token (Teams). */
    private static final Admission.Check SIGNED_BY_PLATFORM = PUBLIC;

    /** The handlers of each API resource. */
    public record Handlers(HealthHandler health, MetricsHandler metrics, DecisionsHandler decisions, DataApiHandler data,
                           ForwardAuthHandler forwardAuth, PoliciesHandler policies, ApprovalsHandler approvals,
                           Handler<RoutingContext> slackInteractions, Handler<RoutingContext> teamsMessages, AuthZenHandler authzen,
                           McpGateway mcp, PreToolUseHandler hooks,
                           JwksHandler jwks, CheckpointsHandler checkpoints) {
    }

    private final Router router;
    private final Authenticator authenticator;
    private final long maxBodyBytes;
    private final BodyHandler body;

    private ApiRouter(Vertx vertx, Authenticator authenticator, long maxBodyBytes) {
        this.router = Router.router(vertx);
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    }

    public static Router create(Vertx vertx, Authenticator authenticator, ServerMetrics metrics, long maxBodyBytes, Handlers h) {
        ApiRouter api = new ApiRouter(vertx, authenticator, maxBodyBytes);
        api.router.route().handler((PlatformHandler) ctx -> measure(ctx, metrics));
        for (String path : new String[]{AuthZenHandler.EVALUATION, AuthZenHandler.EVALUATIONS, AuthZenHandler.CONFIGURATION}) {
            api.router.route(path).handler((PlatformHandler) AuthZenHandler::echoRequestId);   // on every answer, refusals too
        }
        api.router.route().handler((PlatformHandler) ApiRouter::refuseMalformedRequests);

        api.route(HttpMethod.GET, "/health", "health.live", PUBLIC, h.health()::getLive);
        api.route(HttpMethod.GET, "/health/ready", "health.ready", PUBLIC, h.health()::getReady);
        api.route(HttpMethod.GET, "/metrics", "metrics", PUBLIC, h.metrics()::getMetrics);
        api.route(HttpMethod.POST, "/v1/decisions", "decisions.create", api.client(DECIDE), h.decisions()::createDecision);
        api.route(HttpMethod.GET, "/v1/decisions/:id", "decisions.get", api.client(DECIDE, ADMIN), h.decisions()::getDecision);
        api.route(HttpMethod.POST, "/v1/decisions/:id/outcome", "decisions.outcome", api.client(DECIDE), h.decisions()::reportOutcome);
        api.route(HttpMethod.POST, "/v1/data", "data.v1", api.client(DECIDE), h.data()::postDataV1);
        api.route(HttpMethod.POST, "/v1/data/*", "data.v1", api.client(DECIDE), h.data()::postDataV1);
        api.route(HttpMethod.GET, "/v1/data", "data.v1", api.client(DECIDE), h.data()::getDataV1);
        api.route(HttpMethod.GET, "/v1/data/*", "data.v1", api.client(DECIDE), h.data()::getDataV1);
        api.route(HttpMethod.POST, "/v0/data/*", "data.v0", api.client(DECIDE), h.data()::postDataV0);
        api.route(HttpMethod.POST, AuthZenHandler.EVALUATION, "authzen.evaluation", api.client(DECIDE), h.authzen()::evaluation);
        api.route(HttpMethod.POST, AuthZenHandler.EVALUATIONS, "authzen.evaluations", api.client(DECIDE), h.authzen()::evaluations);
        api.route(HttpMethod.GET, AuthZenHandler.CONFIGURATION, "authzen.configuration", PUBLIC, h.authzen()::configuration);
        api.route(HttpMethod.GET, JwksHandler.PATH, "jwks", PUBLIC, h.jwks()::getJwks);
        api.route(HttpMethod.GET, "/v1/audit/checkpoints", "audit.checkpoints", api.client(ADMIN), h.checkpoints()::getCheckpoints);
        api.route(null, "/v1/authz/forward", "authz.forward", h.forwardAuth()::authenticate, h.forwardAuth()::checkRequest);
        api.route(null, "/v1/authz/forward/*", "authz.forward", h.forwardAuth()::authenticate, h.forwardAuth()::checkRequest);
        api.route(HttpMethod.GET, "/v1/approvals", "approvals.list", api.client(REVIEW, ADMIN), h.approvals()::listApprovals);
        api.route(HttpMethod.GET, "/v1/approvals/:id", "approvals.get", api.client(ANY_SCOPE), h.approvals()::getApproval);
        api.route(HttpMethod.POST, "/v1/approvals/:id/votes", "approvals.vote", api.client(REVIEW), h.approvals()::castVote);
        api.route(HttpMethod.GET, "/v1/policies", "policies.get", api.client(ANY_SCOPE), h.policies()::getPolicies);
        api.route(HttpMethod.POST, "/v1/policies/reload", "policies.reload", api.client(ADMIN), h.policies()::reloadPolicies);
        api.route(HttpMethod.POST, "/mcp/:server", "mcp.post", api.client(DECIDE), h.mcp()::postMessage);
        api.route(HttpMethod.GET, "/mcp/:server", "mcp.stream", api.client(DECIDE), h.mcp()::getStream);
        api.route(HttpMethod.DELETE, "/mcp/:server", "mcp.delete", api.client(DECIDE), h.mcp()::deleteSession);
        api.route(HttpMethod.POST, "/v1/hooks/pre-tool-use", "hooks.pre_tool_use", api.client(DECIDE), h.hooks()::decideToolUse);
        api.route(HttpMethod.POST, "/connectors/slack/interactions", "slack.interactions", SIGNED_BY_PLATFORM, h.slackInteractions());
        api.route(HttpMethod.POST, "/connectors/teams/messages", "teams.messages", SIGNED_BY_PLATFORM, h.teamsMessages());

        api.router.route().failureHandler(ApiRouter::failed);
        api.router.errorHandler(400, ctx -> Responses.error(ctx, ApiError.badRequest("invalid_path",
                "the request path is not valid URL encoding (a % not followed by two hexadecimal digits)", null)));
        api.router.errorHandler(404, ctx -> Responses.error(ctx, new ApiError(404, "not_found",
                "no route " + ctx.request().method() + " " + ctx.request().path())));
        api.router.errorHandler(405, ctx -> Responses.error(ctx, new ApiError(405, "method_not_allowed",
                ctx.request().method() + " is not allowed on " + ctx.request().path())));
        return api.router;
    }

    /**
     * Adds one route: {@code method} null matches every method; {@code admit} says who may call it
     * ({@link #PUBLIC}: anyone), and is applied before the body of a POST or PUT is read.
     */
    private void route(HttpMethod method, String path, String name, Admission.Check admit, Handler<RoutingContext> handler) {
        Route route = method == null ? router.route(path) : router.route(method, path);
        route.handler((PlatformHandler) ctx -> {
            ctx.put(RouteNames.KEY, name);
            ctx.next();
        });
        boolean readsBody = method == HttpMethod.POST || method == HttpMethod.PUT;
        if (admit != null) {
            route.handler(new Admission(admit, readsBody ? maxBodyBytes : -1));
        }
        if (readsBody) {
            route.handler(body);
        }
        route.handler(ctx -> {
            try {
                handler.handle(ctx);
            } catch (ApiError e) {
                ctx.fail(e);
            }
        });
    }

    private Admission.Check client(Scope... scopes) {
        return client(EnumSet.copyOf(Arrays.asList(scopes)));
    }

    /** A client with a bearer token and one of {@code scopes}: 401 without a known token, 403 without the scope. */
    private Admission.Check client(Set<Scope> scopes) {
        String needs = scopes.stream().map(Scope::wireName).sorted().collect(Collectors.joining(" or "));
        return request -> {
            if (request.headers().getAll("Authorization").size() > 1) {
                throw ApiError.badRequest("duplicate_header", "the request carries Authorization more than once; send one bearer token",
                        "Authorization");
            }
            String header = request.getHeader("Authorization");
            Caller caller = authenticator.authenticate(Authenticator.bearer(header));
            if (caller == null) {
                throw ApiError.unauthorized(header == null ? "send a client token as Authorization: Bearer <token>"
                        : "the bearer token is not one of a configured client");
            }
            for (Scope scope : scopes) {
                if (caller.has(scope)) {
                    return caller;
                }
            }
            throw ApiError.forbidden("client " + caller.name() + " may not " + request.method() + " " + request.path()
                    + "; it needs the scope " + needs);
        };
    }

    /**
     * Refuses, before any route sees them, a query string that does not decode (it would fail every
     * parameter read), a parameter given twice (one of them would be taken, the other silently
     * ignored) and a forward-auth path that climbs out of its prefix with dot segments (the
     * router normalises paths, so {@code /v1/authz/forward/../../health} would reach another route
     * and its answer be taken by the gateway as a decision).
     */
    private static void refuseMalformedRequests(RoutingContext ctx) {
        io.vertx.core.MultiMap params;
        try {
            params = ctx.queryParams();
        } catch (RuntimeException e) {
            Responses.error(ctx, ApiError.badRequest("invalid_parameter", "the query string is not valid URL encoding", null));
            return;
        }
        String raw = ctx.request().path();
        if (raw == null || !raw.startsWith(ForwardAuthHandler.PREFIX)) {   // forward-auth's query is the original request's
            for (String name : params.names()) {
                if (params.getAll(name).size() > 1) {
                    Responses.error(ctx, ApiError.badRequest("invalid_parameter", "the query gives " + name + " more than once; give it"
                            + " once", name));
                    return;
                }
            }
        }
        if (raw != null && raw.startsWith(ForwardAuthHandler.PREFIX) && !ctx.normalizedPath().startsWith(ForwardAuthHandler.PREFIX)) {
            Responses.error(ctx, ApiError.badRequest("invalid_path", "the original path climbs out of " + ForwardAuthHandler.PREFIX, null));
            return;
        }
        ctx.next();
    }

    private static void measure(RoutingContext ctx, ServerMetrics metrics) {
        long started = System.nanoTime();
        ctx.addEndHandler(done -> {
            String route = ctx.get(RouteNames.KEY);
            metrics.request(route == null ? RouteNames.UNMATCHED : route, ctx.request().method().name(),
                    ctx.response().getStatusCode(), System.nanoTime() - started);
        });
        ctx.next();
    }

    /**
     * The one failure handler: API errors as they are, body limits as 413, a node that does not stand
     * well in its cluster (a minority, its clock off, an unknown member; or leaving it) as 503 with
     * Retry-After, a call the cluster did not answer ({@link Unanswered}) as 503 {@code cluster_unavailable}
     * with Retry-After, saying whether the change asked for may have been made, approval state that failed its seal as 409, anything else as a logged 500. A request
     * whose connection is gone (the caller hung up, or its body's framing broke and the connection was
     * closed) has no one to answer: it is logged at debug and left.
     */
    static void failed(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (ctx.response().closed() || failure instanceof HttpClosedException) {
            LOG.debug("{} {}: the connection closed before an answer", ctx.request().method(), ctx.request().path(), failure);
            return;
        }
        if (failure instanceof ApiError e) {
            Responses.error(ctx, e);
            return;
        }
        if (fromHttpDecoder(failure)) {
            ctx.response().putHeader("Connection", "close");
            Responses.error(ctx, new ApiError(400, "bad_request", "the request's HTTP framing (its chunk sizes) cannot be read"));
            return;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StandingException standing) {
                ctx.response().putHeader("Retry-After", "5");
                Responses.error(ctx, new ApiError(503, standing.code(), standing.getMessage() + "; retry in a few seconds, or ask another node"));
                return;
            }
            if (cause instanceof TamperedStateException tampered) {
                Responses.error(ctx, new ApiError(409, "approval_tampered", tampered.getMessage()));
                return;
            }
            if (cause instanceof HazelcastInstanceNotActiveException) {
                ctx.response().putHeader("Retry-After", "5");
                Responses.error(ctx, new ApiError(503, "cluster_unavailable", "this node has left its cluster; ask another node"));
                return;
            }
        }
        Throwable unanswered = Unanswered.in(failure);
        if (unanswered != null) {
            LOG.warn("{} {}: the cluster did not answer ({})", ctx.request().method(), ctx.request().path(), unanswered.toString());
            Responses.error(ctx, ApiError.unavailable("cluster_unavailable", "the cluster member holding this state did not answer ("
                    + unanswered.getClass().getSimpleName() + "); " + (Unanswered.mayHaveApplied(unanswered)
                    ? "a change asked for may or may not have been made: read it, or repeat the request (a repeated vote is answered as"
                            + " the first, a grant is used at most once)"
                    : "nothing was changed") + "; retry in a few seconds, or ask another node", 5));
            return;
        }
        int status = ctx.statusCode();
        if (status == 413) {
            Responses.error(ctx, new ApiError(413, "body_too_large", "the request body is larger than this server accepts"));
        } else if (status >= 400 && status < 500) {
            // What failed here is the server's own reading of the request (a form body it could not decode...):
            // its exception text names code, not the request, so the answer names what was sent.
            LOG.debug("{} {} answered {}", ctx.request().method(), ctx.request().path(), status, failure);
            String type = ctx.request().getHeader("Content-Type");
            Responses.error(ctx, new ApiError(status, "bad_request", "the request cannot be read"
                    + (type == null ? "" : " as the Content-Type it names (" + type + ")")));
        } else {
            LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
            Responses.error(ctx, new ApiError(500, "internal", "the server failed to handle the request; the failure is logged"));
        }
    }

    /** A failure raised by the HTTP/1.1 decoder while reading the request (a broken chunk size): the caller's framing, not the server. */
    private static boolean fromHttpDecoder(Throwable failure) {
        StackTraceElement[] stack = failure == null ? new StackTraceElement[0] : failure.getStackTrace();
        return stack.length > 0 && stack[0].getClassName().equals("io.netty.handler.codec.http.HttpObjectDecoder");
    }
}
