package dev.countersign.pdp.cli;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;

/** A JWK Set named on the command line: a file, or an http(s) URL such as a node's {@code /.well-known/jwks.json}. */
final class JwksSource {
    private JwksSource() {
    }

    /** The public keys of {@code source}; fails with a message naming it. */
    static JWKSet load(String source) throws IOException {
        String text;
        if (source.startsWith("http://") || source.startsWith("https://")) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(source)).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (r.statusCode() != 200) {
                    throw new IOException(source + " answered " + r.statusCode());
                }
                text = r.body();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + source);
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": not a URL: " + e.getMessage());
            }
        } else {
            text = Files.readString(Path.of(source), StandardCharsets.UTF_8);
        }
        try {
            return JWKSet.parse(text).toPublicJWKSet();
        } catch (ParseException e) {
            throw new IOException(source + ": not a JWK Set: " + e.getMessage());
        }
    }
}
