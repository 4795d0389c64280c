package dev.countersign.pdp.evidence;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.countersign.rules.json.ActionContextJson;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks an attestation as an executor would, offline: that it is a compact JWS of type
 * {@value Attestor#TYPE} signed with ES256 by a key of the given JWKS (found by its {@code kid}),
 * that it has not expired, and, given the action context about to be executed, that its canonical
 * SHA-256 is the one signed. Every problem found is reported, each with its reason.
 */
public final class AttestationCheck {
    private AttestationCheck() {
    }

    /**
     * What the check found.
     *
     * @param claims the token's claims as JSON (null when it cannot be read at all)
     * @param problems what fails, in words; empty when the token verifies
     */
    public record Result(Map<String, Object> claims, List<String> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    /**
     * Checks {@code token} against {@code keys} at {@code now}; {@code contextTree} (the context's wire form, as
     * {@link ActionContextJson#toTree} gives it) when the executor has one, else null.
     */
    public static Result check(String token, JWKSet keys, Instant now, Map<String, Object> contextTree) {
        List<String> problems = new ArrayList<>();
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token.trim());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return new Result(null, List.of("not a compact JWS with JSON claims: " + e.getMessage()));
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            problems.add("signed with " + jwt.getHeader().getAlgorithm() + ", not ES256");
        } else {
            String kid = jwt.getHeader().getKeyID();
            JWK key = kid == null ? null : keys.getKeyByKeyId(kid);
            if (key == null) {
                problems.add("signed with key " + kid + ", which is not in the JWKS (a wrong or unknown key)");
            } else if (!(key instanceof ECKey ec)) {
                problems.add("key " + kid + " of the JWKS is not an EC key");
            } else {
                try {
                    if (!jwt.verify(new ECDSAVerifier(ec.toPublicJWK()))) {
                        problems.add("the signature does not verify with key " + kid + " (the token was changed, or signed by another key)");
                    }
                } catch (JOSEException e) {
                    problems.add("the signature cannot be checked with key " + kid + ": " + e.getMessage());
                }
            }
        }
        if (jwt.getHeader().getType() == null || !Attestor.TYPE.equals(jwt.getHeader().getType().getType())) {
            problems.add("its header type is " + jwt.getHeader().getType() + ", not " + Attestor.TYPE);
        }
        if (claims.getExpirationTime() == null) {
            problems.add("it has no expiry (exp)");
        } else if (!now.isBefore(claims.getExpirationTime().toInstant())) {
            problems.add("expired at " + claims.getExpirationTime().toInstant() + " (now " + now + ")");
        }
        if (contextTree != null) {
            String signed;
            try {
                signed = claims.getStringClaim("context_sha256");
            } catch (ParseException e) {
                signed = null;
            }
            String actual = ActionContextJson.canonicalHash(contextTree);
            if (!actual.equals(signed)) {
                problems.add("the context hashes to " + actual + ", but the token was signed for " + signed
                        + " (another action context than the one approved)");
            }
        }
        return new Result(claims.toJSONObject(), problems);
    }
}
