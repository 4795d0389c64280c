package dev.countersign.pdp.http;

import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.Decided;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.Envelope;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * Forward-auth for gateways, at {@code /v1/authz/forward} with any method: Traefik, NGINX
 * {@code auth_request} and Envoy's ext_authz HTTP service (configured with
 * {@code path_prefix: /v1/authz/forward}) ask whether to forward a request, which
 * {@link OriginalRequest} reads as the action context {@code action.name = http.<method>},
 * {@code resource = {type: http, id: host + path}} (host, path, query and scheme also as resource
 * attributes), {@code actor.id} from the configured identity header, and {@code context.source_ip}
 * from {@code X-Forwarded-For}.
 *
 * <p>Answers 200 for allow, 403 for deny, and 403 with {@code X-Countersign-Approval} (the approval's
 * id) for needs_approval; once the approval is approved, the client repeats its request with
 * {@code X-Countersign-Approval-Id: <id>}, which the gateway passes on, and it is allowed once;
 * {@code X-Countersign-Decision-Id}, {@code -Verdict} and {@code -Reasons} (rule names,
 * percent-encoded, comma-separated) on every answer, and the decision as the JSON body.
 *
 * <p>The caller ({@link #authenticate}) is a configured principal, never an address: a gateway copies
 * its client's headers, so its own credential cannot be the {@code Authorization} header: it sends
 * {@code X-Countersign-Authorization: Bearer <token>} (NGINX, Envoy can add headers) and is that
 * client, or calls from a {@code forward_auth.trusted_sources} entry (Traefik cannot add headers) and
 * is that entry's principal, whichever replica in the entry's block calls. An {@code Authorization}
 * header that holds a client token is accepted too. The grant of an approval is bound to the
 * principal that asked, so any replica of the same principal redeems it.
 */
public final class ForwardAuthHandler {
    public static final String PREFIX = "/v1/authz/forward";
    static final String CREDENTIAL_HEADER = "X-Countersign-Authorization";

    private final DecisionService decisions;
    private final Authenticator authenticator;
    private final ServerConfig.ForwardAuth config;
    private final TrustedSources trusted;
    private final OriginalRequest original;

    public ForwardAuthHandler(DecisionService decisions, Authenticator authenticator, ServerConfig.ForwardAuth config) {
        this.decisions = decisions;
        this.authenticator = authenticator;
        this.config = config;
        this.trusted = new TrustedSources(config.trustedSources());
        this.original = new OriginalRequest(config);
    }

    /** Decides the request the admitted gateway asks about (its caller is in the context; see {@link Admission}). */
    public void checkRequest(RoutingContext ctx) {
        Caller caller = ctx.get(Caller.CONTEXT_KEY);
        ActionContext action = original.read(ctx.request());
        String approvalId = OriginalRequest.approvalId(ctx.request());
        decisions.decide(action, config.packageScope(), caller, "forward_auth", approvalId == null ? Envelope.NONE : new Envelope(approvalId, null))
                .onSuccess(decided -> respond(ctx, decided))
                .onFailure(ctx::fail);
    }

    /**
     * The gateway asking, from the request's headers and peer address: the client whose token is in
     * {@code X-Countersign-Authorization} (sent once) or {@code Authorization}, else the principal of
     * the trusted source the peer calls from; 401 without either, 403 for a client without the
     * decide scope. On a node without clients, the local anonymous caller.
     */
    Caller authenticate(HttpServerRequest request) {
        OriginalRequest.refuseCopies(request.headers(), CREDENTIAL_HEADER);
        if (!authenticator.enabled()) {
            return Caller.local();
        }
        for (String header : new String[]{CREDENTIAL_HEADER, "Authorization"}) {
            String token = Authenticator.bearer(request.getHeader(header));
            Caller caller = token == null ? null : authenticator.authenticate(token);
            if (caller != null) {
                if (!caller.has(Scope.DECIDE)) {
                    throw ApiError.forbidden("client " + caller.name() + " may not ask for decisions; it needs the scope decide");
                }
                return caller;
            }
        }
        Caller source = trusted.callerAt(request.remoteAddress() == null ? null : request.remoteAddress().hostAddress());
        if (source != null) {
            return source;
        }
        throw ApiError.unauthorized("a gateway authenticates with " + CREDENTIAL_HEADER
                + ": Bearer <token>, or calls from an address in forward_auth.trusted_sources");
    }

    private static void respond(RoutingContext ctx, Decided decided) {
        Decision d = decided.decision();
        var response = ctx.response();
        response.putHeader("X-Countersign-Decision-Id", d.decisionId());
        response.putHeader("X-Countersign-Verdict", d.verdict().wireName());
        response.putHeader("X-Countersign-Reasons", d.reasons().stream().map(Reason::rule)
                .map(name -> URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining(",")));
        int status = 200;
        switch (d.verdict()) {
            case ALLOW -> status = 200;
            case DENY -> status = 403;
            case NEEDS_APPROVAL -> {
                status = 403;
                Object id = decided.approvalExtras().get("id");
                response.putHeader("X-Countersign-Approval", id != null ? id.toString()
                        : "required; groups=" + String.join(",", d.approval().groups()));
            }
        }
        Responses.json(ctx, status, g -> {
            g.writeStartObject();
            DecisionJson.writeFields(g, d, decided.approvalExtras());
            g.writeEndObject();
        });
    }
}
