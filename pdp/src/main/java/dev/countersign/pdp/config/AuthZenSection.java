package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;

/** {@code authzen: {pdp_base_url}}: the base URL AuthZEN discovery announces behind a proxy. */
final class AuthZenSection {
    private AuthZenSection() {
    }

    static ServerConfig.AuthZen read(Settings r, JsonNode root) throws ConfigException {
        JsonNode section = r.object(root, "authzen");
        r.keys(section, "authzen", Set.of("pdp_base_url"));
        String url = r.text(section, "authzen.pdp_base_url", null);
        if (url == null) {
            return ServerConfig.AuthZen.NONE;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw r.error("authzen.pdp_base_url is not a URL: " + e.getMessage());
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw r.error("authzen.pdp_base_url must be the http(s) base URL AuthZEN clients reach this PDP at, such as"
                    + " https://pdp.example.com (no query or fragment)");
        }
        return new ServerConfig.AuthZen(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }
}
