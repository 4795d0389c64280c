package dev.countersign.pdp.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An independent JOSE implementation for tests: {@code node} running {@code src/test/node/jose/verify.mjs}
 * with the {@code jose} package. Fails (never skips) when node or the package is missing, saying what to install.
 */
final class JoseNode {
    static final Path DIR = Path.of("src/test/node/jose");

    private JoseNode() {
    }

    /** Verifies each of {@code tokens} against {@code jwks}; with {@code context} (or null), also its canonical hash. */
    static JsonObject verify(List<String> tokens, JsonObject jwks, JsonObject context) throws Exception {
        if (!Files.isDirectory(DIR.resolve("node_modules/jose"))) {
            fail("the jose npm package is missing: run npm ci in pdp/src/test/node/jose (the CI script does), with node installed");
        }
        JsonObject input = new JsonObject().put("tokens", new JsonArray(tokens)).put("jwks", jwks);
        if (context != null) {
            input.put("context", context);
        }
        Process p;
        try {
            p = new ProcessBuilder("node", "verify.mjs").directory(DIR.toFile()).redirectErrorStream(false).start();
        } catch (IOException e) {
            fail("node is not installed (apt-get install nodejs npm): " + e.getMessage());
            return null;
        }
        p.getOutputStream().write(input.encode().getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("node verify.mjs did not finish");
        }
        assertEquals(0, p.exitValue(), "node verify.mjs failed: " + err);
        return new JsonObject(new String(out, StandardCharsets.UTF_8));
    }
}
