package dev.countersign.pdp.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code countersign hook pre-tool-use}: a coding agent's PreToolUse command hook. Reads the hook's
 * JSON on standard input, asks a node ({@code POST /v1/hooks/pre-tool-use}), and prints the hook
 * output the agent reads. Fails closed: when the node cannot be reached, or does not answer a
 * decision, it prints a deny with why; it always exits 0, so the agent reads the JSON rather than
 * treating the hook as broken.
 */
@Command(name = "hook", mixinStandardHelpOptions = true,
        description = "Agent hooks that ask Countersign before a tool runs.",
        subcommands = {HookCommand.PreToolUse.class})
final class HookCommand {
    static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "pre-tool-use", mixinStandardHelpOptions = true,
            description = {"Read a PreToolUse hook's JSON on standard input, ask the node, print its answer"
                    + " ({\"hookSpecificOutput\": {\"permissionDecision\": \"allow\"|\"deny\", ...}}).",
                    "Denies (exit 0) when the node cannot be reached or refuses the request."})
    static final class PreToolUse implements Callable<Integer> {
        @Option(names = "--url", paramLabel = "URL", description = "The node's base URL (default: $COUNTERSIGN_URL, else ${DEFAULT-VALUE}).",
                defaultValue = "http://127.0.0.1:8181")
        String url;

        @Option(names = "--token-env", paramLabel = "NAME", defaultValue = "COUNTERSIGN_TOKEN",
                description = "The environment variable holding the client's bearer token (default: ${DEFAULT-VALUE}).")
        String tokenEnv;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT60S",
                description = "How long to wait for the node's answer, a held call included (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--input", paramLabel = "FILE", defaultValue = "-", description = "Read the hook's JSON from FILE (default: standard input).")
        String input;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String base = spec.commandLine().getParseResult().hasMatchedOption("--url") || System.getenv("COUNTERSIGN_URL") == null
                    ? url : System.getenv("COUNTERSIGN_URL");
            String endpoint = base.replaceAll("/+$", "") + "/v1/hooks/pre-tool-use";
            byte[] body;
            try (InputStream in = input.equals("-") ? System.in : Files.newInputStream(Path.of(input))) {
                body = in.readAllBytes();
            } catch (IOException e) {
                out.println(deny("Countersign's hook could not read its input (" + e.getMessage() + "): the call is denied"));
                out.flush();
                return CountersignCommand.OK;
            }
            out.println(ask(endpoint, body));
            out.flush();
            return CountersignCommand.OK;
        }

        private String ask(String endpoint, byte[] body) {
            String token = System.getenv(tokenEnv);
            try {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint)).timeout(timeout)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
                if (token != null && !token.isBlank()) {
                    request.header("Authorization", "Bearer " + token.trim());
                }
                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return response.body().trim();
                }
                String message;
                try {
                    message = JSON.readTree(response.body()).path("message").asText(response.body());
                } catch (IOException e) {
                    message = response.body();
                }
                return deny("Countersign refused the request (HTTP " + response.statusCode() + ": " + message + "): the call is denied");
            } catch (IOException | IllegalArgumentException e) {
                return deny("Countersign could not be reached at " + endpoint + " (" + e + "): the call is denied (fail closed)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return deny("Countersign's hook was interrupted: the call is denied");
            }
        }
    }

    static String deny(String reason) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode specific = out.putObject("hookSpecificOutput");
        specific.put("hookEventName", "PreToolUse");
        specific.put("permissionDecision", "deny");
        specific.put("permissionDecisionReason", reason);
        return out.toString();
    }
}
