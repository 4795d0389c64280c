package dev.countersign.pdp.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.nimbusds.jose.jwk.JWKSet;
import dev.countersign.pdp.evidence.AttestationCheck;
import dev.countersign.pdp.http.DecisionsHandler;
import dev.countersign.rules.json.ActionContextJson;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code countersign attest verify TOKEN|- [--jwks FILE|URL] [--context FILE]}. */
@Command(name = "attest", mixinStandardHelpOptions = true,
        description = "Work with the signed attestations Countersign gives allowed decisions.",
        subcommands = {AttestCommand.Verify.class})
final class AttestCommand {

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Print an attestation's claims and check it: its ES256 signature against the JWKS, its expiry, and, with"
                    + " --context, that the action context about to be executed is the one it was signed for.",
                    "Exits 0 when it verifies, 1 when it does not (each reason printed), 2 when the token, the JWKS or the context"
                            + " cannot be read."})
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TOKEN", description = "The compact JWS; - reads it from standard input.")
        String token;

        @Option(names = "--jwks", paramLabel = "FILE|URL", required = true,
                description = "The public keys: a JWK Set file, or a node's URL such as https://pdp.example.com/.well-known/jwks.json.")
        String jwks;

        @Option(names = "--context", paramLabel = "FILE",
                description = "The action context to be executed (a decision request body, JSON); - for standard input.")
        String context;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String text;
            JWKSet keys;
            Map<String, Object> tree = null;
            try {
                text = token.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.US_ASCII) : token;
                keys = JwksSource.load(jwks);
                if (context != null) {
                    if (token.equals("-") && context.equals("-")) {
                        err.println("countersign attest verify: the token and the context cannot both come from standard input");
                        err.flush();
                        return CountersignCommand.BAD_INPUT;
                    }
                    byte[] body = context.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(context));
                    tree = ActionContextJson.toTree(new ActionContextReader(ActionContextReader.DEFAULT_MAX_DEPTH, DecisionsHandler.ENVELOPE)
                            .readDocument(body).context());
                }
            } catch (IOException e) {
                err.println("countersign attest verify: " + e.getMessage());
                err.flush();
                return CountersignCommand.BAD_INPUT;
            } catch (InvalidInputException e) {
                err.println("countersign attest verify: " + context + ": " + e.describe());
                err.flush();
                return CountersignCommand.BAD_INPUT;
            }
            AttestationCheck.Result r = AttestationCheck.check(text, keys, Instant.now(), tree);
            if (r.claims() != null) {
                try {
                    out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.claims()));
                } catch (IOException e) {
                    out.println(r.claims());
                }
            }
            if (r.valid()) {
                out.println("VERIFIED: signature, expiry" + (tree == null ? "" : " and context hash") + " check out");
            } else {
                for (String p : r.problems()) {
                    out.println("INVALID: " + p);
                }
            }
            out.flush();
            return r.valid() ? CountersignCommand.OK : CountersignCommand.FAILED;
        }
    }
}
