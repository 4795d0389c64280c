package dev.countersign.pdp.http;

import dev.countersign.pdp.config.Cidr;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.Decided;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.Envelope;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Forward-auth for gateways, at {@code /v1/authz/forward} with any method. The original request is
 * read in one gateway's style, chosen by what names its URI: Traefik's {@code X-Forwarded-Uri}, with
 * {@code X-Forwarded-Method/-Proto/-Host}; NGINX {@code auth_request}'s {@code X-Original-URI}, with
 * {@code X-Original-Method} (host from {@code X-Original-Host}, {@code X-Forwarded-Host} or
 * {@code Host}); or, for Envoy's ext_authz HTTP service (configured with
 * {@code path_prefix: /v1/authz/forward}), the check request itself: its method, its path after the
 * prefix, and its {@code Host}. The other styles' headers are ignored: NGINX and Envoy pass their
 * client's headers along, so a client could otherwise rename the request it makes. A request whose
 * URI is named in two styles is refused (400 {@code ambiguous_request}), so the gateway refuses it.
 *
 * <p>The request becomes the action context {@code action.name = http.<method>},
 * {@code resource = {type: http, id: host + path}} (host, path, query and scheme also as resource
 * attributes; the host in lower case and without its port, whichever header names it),
 * {@code actor.id} from the configured identity header, and {@code context.source_ip} from
 * {@code X-Forwarded-For}.
 *
 * <p>Answers 200 for allow, 403 for deny, and 403 with {@code X-Countersign-Approval} (the approval's
 * id) for needs_approval; once the approval is approved, the client repeats its request with
 * {@code X-Countersign-Approval-Id: <id>}, which the gateway passes on, and it is allowed once; {@code X-Countersign-Decision-Id}, {@code -Verdict} and {@code -Reasons} (rule names,
 * percent-encoded, comma-separated) on every answer, and the decision as the JSON body.
 *
 * <p>A gateway copies its client's headers, so its own credential cannot be the
 * {@code Authorization} header: it sends {@code X-Countersign-Authorization: Bearer <token>} (NGINX,
 * Envoy can add headers), or comes from an address in {@code forward_auth.trusted_sources} (Traefik
 * cannot). An {@code Authorization} header that holds a client token is accepted too.
 */
public final class ForwardAuthHandler {
    public static final String PREFIX = "/v1/authz/forward";
    static final String CREDENTIAL_HEADER = "X-Countersign-Authorization";
    /** Sent by the client with its repeated request, through the gateway, to redeem an approval. */
    static final String APPROVAL_ID_HEADER = "X-Countersign-Approval-Id";

    private final DecisionService decisions;
    private final Authenticator authenticator;
    private final ServerConfig.ForwardAuth config;
    private final List<Cidr> trusted = new ArrayList<>();

    public ForwardAuthHandler(DecisionService decisions, Authenticator authenticator, ServerConfig.ForwardAuth config) {
        this.decisions = decisions;
        this.authenticator = authenticator;
        this.config = config;
        for (String cidr : config.trustedSources()) {
            trusted.add(Cidr.parse(cidr));
        }
    }

    public void checkRequest(RoutingContext ctx) {
        Caller caller = authenticate(ctx.request());
        ctx.put(Caller.CONTEXT_KEY, caller);
        ActionContext action = originalRequest(ctx.request());
        String approvalId = ctx.request().getHeader(APPROVAL_ID_HEADER);
        decisions.decide(action, config.packageScope(), caller, "forward_auth",
                        approvalId == null || approvalId.isBlank() ? Envelope.NONE : new Envelope(approvalId.trim(), null))
                .onSuccess(decided -> respond(ctx, decided))
                .onFailure(ctx::fail);
    }

    private Caller authenticate(HttpServerRequest request) {
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
        String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        for (Cidr cidr : trusted) {
            if (cidr.contains(peer)) {
                return new Caller("gateway@" + peer, java.util.Set.of(Scope.DECIDE), null, false);
            }
        }
        throw ApiError.unauthorized("a gateway authenticates with " + CREDENTIAL_HEADER
                + ": Bearer <token>, or calls from an address in forward_auth.trusted_sources");
    }

    /** The request the gateway is asking about, as an action context. */
    ActionContext originalRequest(HttpServerRequest r) {
        String traefikUri = first(r.getHeader("X-Forwarded-Uri"));
        String nginxUri = first(r.getHeader("X-Original-URI"));
        String envoyUri = envoyUri(r);
        List<String> named = new ArrayList<>();
        if (envoyUri != null) {
            named.add("the path after " + PREFIX);
        }
        if (traefikUri != null) {
            named.add("X-Forwarded-Uri");
        }
        if (nginxUri != null) {
            named.add("X-Original-URI");
        }
        if (named.size() > 1) {
            throw ApiError.badRequest("ambiguous_request", "the original URI is given in more than one gateway's style ("
                    + String.join(", ", named) + "); a gateway sends one, so the others came from its client", null);
        }
        String authority = r.authority() == null ? null : r.authority().host();
        String method;
        String uri;
        String host;
        String scheme;
        if (traefikUri != null) {
            method = first(r.getHeader("X-Forwarded-Method"), r.method().name());
            uri = traefikUri;
            host = hostOf(first(r.getHeader("X-Forwarded-Host"), authority));
            scheme = first(r.getHeader("X-Forwarded-Proto"));
        } else if (nginxUri != null) {
            method = first(r.getHeader("X-Original-Method"), r.method().name());
            uri = nginxUri;
            host = hostOf(first(r.getHeader("X-Original-Host"), r.getHeader("X-Forwarded-Host"), authority));
            scheme = first(r.getHeader("X-Original-Proto"), r.getHeader("X-Forwarded-Proto"));
        } else {
            method = r.method().name();
            uri = envoyUri == null ? "/" : envoyUri;
            host = hostOf(authority);
            scheme = first(r.getHeader("X-Forwarded-Proto"));
        }
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? null : uri.substring(q + 1);
        String path = HttpPaths.normalize(rawPath);
        Map<String, Object> resourceAttributes = new LinkedHashMap<>();
        resourceAttributes.put("host", host);
        resourceAttributes.put("path", path);
        if (!path.equals(rawPath)) {
            resourceAttributes.put("raw_path", rawPath);
        }
        if (query != null) {
            resourceAttributes.put("query", query);
        }
        if (scheme != null) {
            resourceAttributes.put("scheme", scheme);
        }
        String identity = r.getHeader(config.identityHeader());
        Actor actor = identity == null || identity.isBlank() ? null : new Actor(identity.trim(), config.actorType(), null, null, null, null);
        String sourceIp = clientAddress(r.getHeader("X-Forwarded-For"), config.trustedHops());
        if (sourceIp == null && r.remoteAddress() != null) {
            sourceIp = r.remoteAddress().hostAddress();
        }
        Context context = sourceIp == null ? null : new Context(null, null, null, sourceIp, null, null);
        return new ActionContext(actor, new Action("http." + method.toLowerCase(Locale.ROOT), null, null, null),
                new Resource("http", (host == null ? "" : host) + path, null, null, null, null, resourceAttributes), null, context, null);
    }

    /** A host as rules see it, the same in every style: lower case, without a port. */
    private static String hostOf(String authority) {
        if (authority == null) {
            return null;
        }
        HostAndPort parsed = HostAndPort.parseAuthority(authority, -1);
        return (parsed == null ? authority : parsed.host()).toLowerCase(Locale.ROOT);
    }

    /** Envoy sends the original path (which starts with a slash) after its path prefix; null when there is none. */
    private static String envoyUri(HttpServerRequest r) {
        String uri = r.uri();
        return uri.startsWith(PREFIX + "/") ? uri.substring(PREFIX.length()) : null;
    }

    /**
     * The client's address in {@code X-Forwarded-For}: each proxy appends the address it received
     * the request from, so entries to the left of the trusted proxies' own can be forged by the
     * client; the one {@code trustedHops} places from the right is the first that cannot.
     */
    static String clientAddress(String forwardedFor, int trustedHops) {
        if (forwardedFor == null || forwardedFor.isBlank()) {
            return null;
        }
        String[] hops = forwardedFor.split(",");
        String entry = hops[Math.max(0, hops.length - trustedHops)].trim();
        return entry.isEmpty() ? null : entry;
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

    /** The first of {@code values} that is not blank, trimmed; null when all are. */
    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}
