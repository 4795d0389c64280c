package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code ext_authz: {host: 127.0.0.1, port: 9191, tls: {certificate_file, key_file}}}: Envoy's
 * ext_authz gRPC service on an address of its own, off unless the section is there. Both TLS files
 * are PEM (a certificate chain; a PKCS#8 key) and must be readable when the configuration is read.
 */
final class ExtAuthzSection {
    private ExtAuthzSection() {
    }

    /** The section, or null when {@code root} has no {@code ext_authz}. */
    static ServerConfig.ExtAuthz read(Settings r, JsonNode root) throws ConfigException {
        JsonNode node = root.get("ext_authz");
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode section = r.object(root, "ext_authz");
        r.keys(section, "ext_authz", Set.of("host", "port", "tls"));
        String host = r.text(section, "ext_authz.host", "127.0.0.1");
        int port = r.integer(section, "ext_authz.port", 9191);
        if (port < 0 || port > 65535) {
            throw r.error("ext_authz.port " + port + " is not a port number (0-65535; 0 picks a free port)");
        }
        JsonNode tls = r.object(section, "tls");
        r.keys(tls, "ext_authz.tls", Set.of("certificate_file", "key_file"));
        String certificate = r.text(tls, "ext_authz.tls.certificate_file", null);
        String key = r.text(tls, "ext_authz.tls.key_file", null);
        if ((certificate == null) != (key == null)) {
            throw r.error("ext_authz.tls needs both certificate_file and key_file (PEM files), or neither for plain text");
        }
        if (certificate == null) {
            return new ServerConfig.ExtAuthz(host, port);
        }
        return new ServerConfig.ExtAuthz(host, port, readable(r, certificate, "ext_authz.tls.certificate_file"),
                readable(r, key, "ext_authz.tls.key_file"));
    }

    private static Path readable(Settings r, String file, String at) throws ConfigException {
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            throw r.error(at + " " + file + " is not a readable file");
        }
        return path;
    }
}
