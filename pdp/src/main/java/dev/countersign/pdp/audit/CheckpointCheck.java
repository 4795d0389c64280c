package dev.countersign.pdp.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.text.ParseException;

/**
 * Checks one signed checkpoint against the public keys of the nodes that wrote the log: its JWS is
 * ES256 of type {@value Checkpoints#TYPE} by a key of the JWKS, and its claims are what its line says.
 */
final class CheckpointCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A checkpoint as signed: the node, its kind and the chain position (seq and hash of the record before it). */
    record Signed(String node, String kind, long seq, String hash) {
    }

    /** Why a checkpoint does not hold. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final JWKSet keys;

    CheckpointCheck(JWKSet keys) {
        this.keys = keys;
    }

    /** The checkpoint on {@code line} (a record of type checkpoint), once its signature and claims check out. */
    Signed line(byte[] line, int length) throws Invalid {
        JsonNode fields;
        try {
            fields = JSON.readTree(line, 0, length);
        } catch (IOException e) {
            throw new Invalid("the checkpoint cannot be read: " + e.getMessage());
        }
        String jws = fields.path("jws").asText(null);
        if (jws == null) {
            throw new Invalid("the checkpoint has no jws");
        }
        Signed signed = token(jws);
        if (!java.util.Objects.equals(signed.node(), fields.path("node").asText()) || !java.util.Objects.equals(signed.kind(),
                fields.path("kind").asText()) || signed.seq() != fields.path("at_seq").asLong(-1)
                || !java.util.Objects.equals(signed.hash(), fields.path("at_hash").asText())) {
            throw new Invalid("the checkpoint's fields are not what its signature covers (signed: node " + signed.node() + ", "
                    + signed.kind() + " at seq " + signed.seq() + " hash " + signed.hash() + ")");
        }
        return signed;
    }

    /** A checkpoint's JWS (as written in the log or as a node publishes it), once its signature checks out. */
    Signed token(String jws) throws Invalid {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(jws);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Invalid("the checkpoint's jws is not a compact JWS: " + e.getMessage());
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm()) || jwt.getHeader().getType() == null
                || !Checkpoints.TYPE.equals(jwt.getHeader().getType().getType())) {
            throw new Invalid("the checkpoint's jws is not an ES256 " + Checkpoints.TYPE);
        }
        String kid = jwt.getHeader().getKeyID();
        JWK key = kid == null ? null : keys.getKeyByKeyId(kid);
        if (!(key instanceof ECKey ec)) {
            throw new Invalid("the checkpoint is signed with key " + kid + ", which is not in the JWKS");
        }
        try {
            if (!jwt.verify(new ECDSAVerifier(ec.toPublicJWK()))) {
                throw new Invalid("the checkpoint's signature does not verify with key " + kid);
            }
            Object seq = claims.getClaim("seq");
            return new Signed(claims.getStringClaim("node"), claims.getStringClaim("kind"),
                    seq instanceof Number n ? n.longValue() : -1, claims.getStringClaim("hash"));
        } catch (JOSEException | ParseException e) {
            throw new Invalid("the checkpoint's signature cannot be checked: " + e.getMessage());
        }
    }
}
