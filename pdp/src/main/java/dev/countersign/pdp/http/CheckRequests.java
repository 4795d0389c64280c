package dev.countersign.pdp.http;

import dev.countersign.pdp.approval.ApprovalIds;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads an Envoy {@code CheckRequest} as the action context forward-auth makes of the same request
 * ({@link OriginalRequest#context}): {@code attributes.request.http} gives the method, host, path
 * (with its query) and scheme; the actor is {@code attributes.source.principal} when Envoy sends one
 * (the peer's mTLS identity, such as a SPIFFE id), else the configured identity header; {@code
 * context.source_ip} is {@code attributes.source.address}; {@code attributes.context_extensions}
 * become context attributes, but for {@value #PACKAGE_EXTENSION}, which selects the package (else
 * {@code forward_auth.package}). A request carrying the MCP headers {@code mcp-method} and {@code
 * mcp-name} is a tool call: {@code action.name = mcp.<method>}, {@code resource = {type: mcp.tool,
 * id: <name>}}, with the HTTP resource attributes kept.
 *
 * <p>Envoy sends header names in lower case, and the values of a header sent twice joined by commas,
 * so a repeated header cannot be told from one value here. A request that cannot be read is an
 * {@link ApiError} (400) naming the field.
 */
final class CheckRequests {
    static final String PACKAGE_EXTENSION = "countersign.package";
    static final String MCP_METHOD = "mcp-method";
    static final String MCP_NAME = "mcp-name";
    private static final String APPROVAL_ID = OriginalRequest.APPROVAL_ID_HEADER.toLowerCase(Locale.ROOT);
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final String HTTP = "attributes.request.http";

    /** What one check asks: the action, the package whose rules decide it, and the approval it redeems (or null). */
    record Asked(ActionContext context, String packageScope, String approvalId) {
    }

    private final ServerConfig.ForwardAuth config;
    private final OriginalRequest original;
    private final String identityHeader;

    CheckRequests(ServerConfig.ForwardAuth config) {
        this.config = config;
        this.original = new OriginalRequest(config);
        this.identityHeader = config.identityHeader().toLowerCase(Locale.ROOT);
    }

    Asked read(CheckRequest request) {
        if (!request.hasAttributes()) {
            throw incomplete("attributes", "the CheckRequest has no attributes; Envoy sends attributes.request.http with every check");
        }
        AttributeContext attributes = request.getAttributes();
        if (!attributes.hasRequest() || !attributes.getRequest().hasHttp()) {
            throw incomplete(HTTP, "the CheckRequest has no " + HTTP + ", the request to decide");
        }
        AttributeContext.HttpRequest http = attributes.getRequest().getHttp();
        if (http.getMethod().isEmpty()) {
            throw incomplete(HTTP + ".method", HTTP + ".method is empty");
        }
        if (http.getPath().isEmpty()) {
            throw incomplete(HTTP + ".path", HTTP + ".path is empty");
        }
        if (http.getHost().isEmpty()) {
            throw incomplete(HTTP + ".host", HTTP + ".host is empty");
        }
        Map<String, String> headers = http.getHeadersMap();
        String host = OriginalRequest.host(http.getHost(), HTTP + ".host");
        String scheme = http.getScheme().isEmpty() ? null : http.getScheme();
        String principal = attributes.hasSource() ? attributes.getSource().getPrincipal() : "";
        String identity = principal.isEmpty() ? headers.get(identityHeader) : principal;
        String identitySource = principal.isEmpty() ? config.identityHeader() : "attributes.source.principal";
        String sourceIp = attributes.hasSource() && attributes.getSource().hasAddress()
                && attributes.getSource().getAddress().hasSocketAddress()
                ? attributes.getSource().getAddress().getSocketAddress().getAddress() : "";
        String notAddress = OriginalRequest.notVisibleAscii(sourceIp);
        if (notAddress != null) {
            throw ApiError.badRequest("invalid_source", "attributes.source.address holds " + notAddress + ", which no address does",
                    "attributes.source.address");
        }
        ActionContext http1 = original.context(http.getMethod(), HTTP + ".method", http.getPath(), HTTP + ".path", host, scheme,
                HTTP + ".scheme", identity, identitySource, sourceIp.isEmpty() ? null : sourceIp);

        Map<String, Object> extensions = new LinkedHashMap<>(attributes.getContextExtensionsMap());
        String packageScope = config.packageScope();
        Object selected = extensions.remove(PACKAGE_EXTENSION);
        if (selected != null && !selected.toString().isEmpty()) {
            if (!PACKAGE.matcher(selected.toString()).matches()) {
                throw ApiError.badRequest("invalid_package", "attributes.context_extensions." + PACKAGE_EXTENSION + ": \"" + selected
                        + "\" is not a package name (dot-separated names of letters, digits and _)",
                        "attributes.context_extensions." + PACKAGE_EXTENSION);
            }
            packageScope = selected.toString();
        }
        Context context = extensions.isEmpty() && sourceIp.isEmpty() ? null
                : new Context(null, null, null, sourceIp.isEmpty() ? null : sourceIp, null, extensions);

        Action action = http1.action();
        Resource resource = http1.resource();
        String mcpMethod = headers.get(MCP_METHOD);
        if (mcpMethod != null) {
            mcpMethod = mcpMethod.trim();
            if (mcpMethod.isEmpty() || OriginalRequest.notVisibleAscii(mcpMethod) != null) {
                throw ApiError.badRequest("invalid_mcp", "Mcp-Method: \"" + mcpMethod + "\" is not an MCP method such as tools/call",
                        "Mcp-Method");
            }
            action = new Action("mcp." + mcpMethod, null, null, null);
            String name = headers.get(MCP_NAME);
            if (name != null) {
                name = name.trim();
                if (name.isEmpty() || name.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
                    throw ApiError.badRequest("invalid_mcp", "Mcp-Name: a tool name is not empty and holds no control characters",
                            "Mcp-Name");
                }
                resource = new Resource("mcp.tool", name, null, null, null, null, resource.attributes());
            }
        }
        String approvalId = headers.get(APPROVAL_ID);
        if (approvalId != null && !ApprovalIds.looksValid(approvalId.trim())) {
            throw ApiError.badRequest("invalid_input", OriginalRequest.APPROVAL_ID_HEADER + ": expected an approval id, \"apr_\" and 26"
                    + " lowercase letters and digits", OriginalRequest.APPROVAL_ID_HEADER);
        }
        return new Asked(new ActionContext(http1.actor(), action, resource, null, context, null), packageScope,
                approvalId == null ? null : approvalId.trim());
    }

    private static ApiError incomplete(String field, String message) {
        return ApiError.badRequest("incomplete_request", message, field);
    }
}
