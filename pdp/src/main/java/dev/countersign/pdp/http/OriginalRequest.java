package dev.countersign.pdp.http;

import dev.countersign.pdp.approval.ApprovalIds;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.rules.Identities;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the request a gateway asks about from a forward-auth request, as an action context.
 *
 * <p>The original request is read in one gateway's style, chosen by what names its URI: Traefik's
 * {@code X-Forwarded-Uri}, with {@code X-Forwarded-Method/-Proto/-Host}; NGINX {@code auth_request}'s
 * {@code X-Original-URI}, with {@code X-Original-Method} (host from {@code X-Original-Host},
 * {@code X-Forwarded-Host} or {@code Host}); or, for Envoy's ext_authz HTTP service, the check
 * request itself: its method, its path after {@code /v1/authz/forward}, and its {@code Host}. The
 * other styles' headers are ignored, since NGINX and Envoy pass their client's headers along. A URI
 * named in two styles is refused (400 {@code ambiguous_request}).
 *
 * <p>Every header that names the request must come once: the identity header, each style's URI,
 * method, host and scheme headers, {@code Host} and {@code X-Countersign-Approval-Id}. A second copy
 * (400 {@code duplicate_header}) is what a client's own header looks like behind a proxy that appends
 * its value instead of replacing it, and which copy a server takes differs. {@code X-Forwarded-For}
 * is a list: its copies are one list in order (RFC 9110 §5.3), read from the right.
 *
 * <p>The path is given the one spelling of {@link HttpPaths} (400 {@code invalid_path} when it is
 * refused); the raw path is kept as {@code resource.attributes.raw_path} when it differs.
 */
final class OriginalRequest {
    /** Sent by the client with its repeated request, through the gateway, to redeem an approval. */
    static final String APPROVAL_ID_HEADER = "X-Countersign-Approval-Id";
    private static final List<String> NAMING_HEADERS = List.of("X-Forwarded-Uri", "X-Forwarded-Method", "X-Forwarded-Host",
            "X-Forwarded-Proto", "X-Original-URI", "X-Original-Method", "X-Original-Host", "X-Original-Proto", "Host",
            APPROVAL_ID_HEADER);

    /** An HTTP method: a token (RFC 9110 §5.6.2). */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** A URI scheme (RFC 3986 §3.1). */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    private final ServerConfig.ForwardAuth config;
    private final List<String> singletons;

    OriginalRequest(ServerConfig.ForwardAuth config) {
        this.config = config;
        List<String> names = new ArrayList<>(NAMING_HEADERS);
        if (names.stream().noneMatch(config.identityHeader()::equalsIgnoreCase)) {
            names.add(0, config.identityHeader());
        }
        this.singletons = List.copyOf(names);
    }

    /** The approval the client presents, or null; 400 {@code invalid_input} when it is no approval id. */
    static String approvalId(HttpServerRequest r) {
        String id = first(r.getHeader(APPROVAL_ID_HEADER));
        if (id != null && !ApprovalIds.looksValid(id)) {
            throw ApiError.badRequest("invalid_input", APPROVAL_ID_HEADER + ": expected an approval id, \"apr_\" and 26 lowercase"
                    + " letters and digits", APPROVAL_ID_HEADER);
        }
        return id;
    }

    /** The request the gateway is asking about, as an action context; an {@link ApiError} when it cannot be read. */
    ActionContext read(HttpServerRequest r) {
        for (String header : singletons) {
            refuseCopies(r.headers(), header);
        }
        String traefikUri = first(r.getHeader("X-Forwarded-Uri"));
        String nginxUri = first(r.getHeader("X-Original-URI"));
        String envoyUri = envoyUri(r);
        List<String> named = new ArrayList<>();
        if (envoyUri != null) {
            named.add("the path after " + ForwardAuthHandler.PREFIX);
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
        String method;
        String uri;
        String uriSource;
        String host;
        String scheme;
        if (traefikUri != null) {
            method = first(r.getHeader("X-Forwarded-Method"), r.method().name());
            uri = traefikUri;
            uriSource = "X-Forwarded-Uri";
            host = hostOf(r, "X-Forwarded-Host");
            scheme = first(r.getHeader("X-Forwarded-Proto"));
        } else if (nginxUri != null) {
            method = first(r.getHeader("X-Original-Method"), r.method().name());
            uri = nginxUri;
            uriSource = "X-Original-URI";
            // NGINX hands its client's headers on: only the X-Original-* ones its configuration sets are its own.
            host = hostOf(r, "X-Original-Host");
            scheme = first(r.getHeader("X-Original-Proto"));
        } else {
            method = r.method().name();
            uri = envoyUri == null ? "/" : envoyUri;
            uriSource = "path";
            host = hostOf(r, null);
            scheme = first(r.getHeader("X-Forwarded-Proto"));
        }
        String methodHeader = traefikUri != null ? "X-Forwarded-Method" : nginxUri != null ? "X-Original-Method" : null;
        String schemeHeader = nginxUri != null ? "X-Original-Proto" : "X-Forwarded-Proto";
        String identity = utf8(r.getHeader(config.identityHeader()), config.identityHeader());
        String sourceIp = clientAddress(r.headers().getAll("X-Forwarded-For"), config.trustedHops());
        String notAddress = sourceIp == null ? null : notVisibleAscii(sourceIp);
        if (notAddress != null) {
            throw ApiError.badRequest("invalid_source", "X-Forwarded-For: the client's entry holds " + notAddress
                    + ", which no address does", "X-Forwarded-For");
        }
        if (sourceIp == null && r.remoteAddress() != null) {
            sourceIp = r.remoteAddress().hostAddress();
        }
        return context(method, methodHeader, uri, uriSource, host, scheme, schemeHeader, identity, config.identityHeader(), sourceIp);
    }

    /**
     * The action context of an original request read in any gateway's style, the one mapping of
     * forward-auth and ext_authz: {@code action.name = http.<method>}, {@code resource = {type: http,
     * id: host + path}} with the path in {@link HttpPaths}' spelling, the raw path (when it differs),
     * query and scheme as resource attributes, the actor {@code identity} (of the configured actor
     * type; none when blank) and {@code context.source_ip}. Each {@code ...Source} names where its
     * value was read, for the {@link ApiError} (400) that refuses it; a null {@code methodSource} is
     * the request's own method.
     */
    ActionContext context(String method, String methodSource, String uri, String uriSource, String host, String scheme,
                          String schemeSource, String identity, String identitySource, String sourceIp) {
        String notUri = notVisibleAscii(uri);
        if (notUri != null) {
            throw ApiError.badRequest("invalid_path", "the original URI holds " + notUri + ", which a URI does not hold: a gateway"
                    + " sends it percent-encoded", uriSource);
        }
        if (!TOKEN.matcher(method).matches()) {
            throw ApiError.badRequest("invalid_method", (methodSource == null ? "the method" : methodSource) + ": \"" + method
                    + "\" is not an HTTP method (a token of letters, digits and !#$%&'*+-.^_`|~)", methodSource);
        }
        if (scheme != null && !SCHEME.matcher(scheme).matches()) {
            throw ApiError.badRequest("invalid_scheme", schemeSource + ": \"" + scheme + "\" is not a URI scheme such as https",
                    schemeSource);
        }
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? null : uri.substring(q + 1);
        String path;
        try {
            path = HttpPaths.normalize(rawPath);
        } catch (HttpPaths.Refused refused) {
            throw ApiError.badRequest("invalid_path", refused.getMessage(), uriSource);
        }
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
        String problem = Identities.problem(identity);
        if (problem != null) {
            throw ApiError.badRequest("invalid_identity", identitySource + ": an identity " + problem, identitySource);
        }
        Actor actor = identity == null || identity.isBlank() ? null : new Actor(identity.trim(), config.actorType(), null, null, null, null);
        Context context = sourceIp == null ? null : new Context(null, null, null, sourceIp, null, null);
        return new ActionContext(actor, new Action("http." + method.toLowerCase(Locale.ROOT), null, null, null),
                new Resource("http", (host == null ? "" : host) + path, null, null, null, null, resourceAttributes), null, context, null);
    }

    /**
     * A header value as the text its sender wrote: HTTP carries header bytes, which the server reads
     * one character per byte (ISO-8859-1); bytes beyond ASCII are read as UTF-8, which gateways send,
     * and a value that is not UTF-8 is refused (400 {@code invalid_identity}) rather than decided as
     * other characters than were sent.
     */
    private static String utf8(String value, String header) {
        if (value == null || value.chars().allMatch(c -> c < 0x80)) {
            return value;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest("invalid_identity", header + ": the identity is not UTF-8 text", header);
        }
    }

    /** What in {@code s} is not a visible ASCII character (as "U+0009 at character 3"), or null when all are. */
    static String notVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return String.format("U+%04X at character %d", (int) c, i);
            }
        }
        return null;
    }

    /** Refuses (400 {@code duplicate_header}) a request holding more than one copy of {@code header}. */
    static void refuseCopies(MultiMap headers, String header) {
        int copies = headers.getAll(header).size();
        if (copies > 1) {
            throw ApiError.badRequest("duplicate_header", "the request holds " + copies + " copies of " + header
                    + ", which names the request once; behind a proxy that appends a header instead of replacing it, the other copy"
                    + " is the client's own, and servers differ on which copy counts, so it is refused", header);
        }
    }

    /**
     * The host of the original request as rules see it, the same in every style: lower case, without
     * a port and trailing dots. It comes from {@code header} when the request holds it, else from the
     * request's own authority. The port is whatever follows the host's last colon (an IP literal's
     * closing bracket), as a Go router such as Traefik strips it ({@code net.SplitHostPort} takes any
     * text for a port), so {@code shop.example.com:abc} and {@code :99999} are {@code shop.example.com};
     * a host that is no host name or address even then is refused (400 {@code invalid_host}), since
     * rules would see other text than the gateway routes by.
     */
    private static String hostOf(HttpServerRequest r, String header) {
        String authority = header == null ? null : first(r.getHeader(header));
        if (authority == null) {
            authority = r.authority() == null ? null : r.authority().host();   // parsed by the server already
            header = "Host";
        }
        return host(authority, header);
    }

    /**
     * {@code authority} (a host with an optional port, as sent in {@code where}) as the host rules
     * see, as {@link #hostOf} describes; null for null.
     */
    static String host(String authority, String where) {
        if (authority == null) {
            return null;
        }
        String header = where;
        HostAndPort parsed = HostAndPort.parseAuthority(authority, -1);
        if (parsed == null) {
            int close = authority.startsWith("[") ? authority.indexOf(']') : -1;
            int colon = close >= 0 ? authority.indexOf(':', close) : authority.indexOf(':');
            boolean onePort = close >= 0 ? colon == close + 1 : colon >= 0 && colon == authority.lastIndexOf(':');
            parsed = onePort ? HostAndPort.parseAuthority(authority.substring(0, colon), -1) : null;
        }
        if (parsed == null) {
            throw ApiError.badRequest("invalid_host", header + ": \"" + authority + "\" is not a host name or address (with an"
                    + " optional port); rules would see other text than the gateway routes by", header);
        }
        String host = parsed.host().toLowerCase(Locale.ROOT);
        int end = host.length();
        while (end > 1 && host.charAt(end - 1) == '.') {
            end--;   // shop.example.com. is shop.example.com: servers route both alike
        }
        return host.substring(0, end);
    }

    /** Envoy sends the original path (which starts with a slash) after its path prefix; null when there is none. */
    private static String envoyUri(HttpServerRequest r) {
        String uri = r.uri();
        return uri.startsWith(ForwardAuthHandler.PREFIX + "/") ? uri.substring(ForwardAuthHandler.PREFIX.length()) : null;
    }

    /**
     * The client's address in {@code X-Forwarded-For}, whose copies (in the order received) are one
     * list: each proxy appends the address it received the request from, so entries to the left of
     * the trusted proxies' own can be forged by the client; the one {@code trustedHops} places from
     * the right is the first that cannot (the leftmost when there are fewer). Empty entries are
     * skipped, as RFC 9110 §5.6.1 asks. Null when there is no entry.
     */
    static String clientAddress(List<String> copies, int trustedHops) {
        int seen = 0;
        String leftmost = null;
        for (int c = copies.size() - 1; c >= 0; c--) {
            String copy = copies.get(c);
            int end = copy.length();
            while (end >= 0) {
                int comma = copy.lastIndexOf(',', end - 1);
                String entry = copy.substring(comma + 1, end).trim();
                if (!entry.isEmpty()) {
                    if (++seen == trustedHops) {
                        return entry;
                    }
                    leftmost = entry;
                }
                end = comma;
            }
        }
        return leftmost;
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
