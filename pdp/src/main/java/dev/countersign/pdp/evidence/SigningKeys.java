package dev.countersign.pdp.evidence;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys a node signs attestations and audit checkpoints with: ES256 (ECDSA on P-256 with SHA-256),
 * which every JOSE library verifies and the Java platform signs without extra providers. The current
 * key signs; retired keys are kept only for their public halves, so what they signed still verifies.
 * Each key's id ({@code kid}) is its RFC 7638 JWK thumbprint (SHA-256, base64url), the same wherever it
 * is computed.
 *
 * <p>A key file is PEM holding the PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}) and its
 * public key ({@code -----BEGIN PUBLIC KEY-----}), as
 * {@code openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem; openssl pkey -in key.pem -pubout >> key.pem}
 * writes it; a retired key's file may hold the public key alone. A key generated at first start is
 * written to the data directory with owner-only permissions (0600). Private keys are never logged
 * and never leave this object except to sign.
 */
public final class SigningKeys {
    /** The file in the data directory a generated key is kept in. */
    public static final String GENERATED_FILE = "attestation-key.pem";
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final ECKey current;
    private final List<ECKey> retired;

    private SigningKeys(ECKey current, List<ECKey> retired) {
        this.current = current;
        this.retired = List.copyOf(retired);
    }

    /**
     * The keys of a node: the current key from {@code keyFile}, else from {@code keyPem} (the environment), else the
     * one kept in {@code dataDir} (generated there at the first start); and the public keys of {@code retiredFiles}.
     * Reads and writes files: call it off the event loop.
     */
    public static SigningKeys load(Path keyFile, String keyPem, List<Path> retiredFiles, Path dataDir) throws IOException {
        ECKey current;
        if (keyFile != null) {
            current = parse(Files.readString(keyFile, StandardCharsets.US_ASCII), keyFile.toString(), true);
        } else if (keyPem != null) {
            current = parse(keyPem, "COUNTERSIGN_ATTESTATION_KEY", true);
        } else {
            current = loadOrGenerate(dataDir.resolve(GENERATED_FILE));
        }
        List<ECKey> retired = new ArrayList<>();
        for (Path f : retiredFiles) {
            ECKey k = parse(Files.readString(f, StandardCharsets.US_ASCII), f.toString(), false);
            if (!k.getKeyID().equals(current.getKeyID())) {
                retired.add(k.toPublicJWK());
            }
        }
        return new SigningKeys(current, retired);
    }

    /** Keys from PEM text, for tools and tests: {@code currentPem} signs, {@code retiredPems} verify only. */
    public static SigningKeys of(String currentPem, List<String> retiredPems) {
        List<ECKey> retired = new ArrayList<>();
        for (String pem : retiredPems) {
            retired.add(parse(pem, "a retired key", false).toPublicJWK());
        }
        return new SigningKeys(parse(currentPem, "the key", true), retired);
    }

    /** A new P-256 key as PEM text (private and public key), as a key file holds it. */
    public static String generatePem() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            return pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + pem("PUBLIC KEY", pair.getPublic().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the Java platform has no P-256 key generator", e);
        }
    }

    /** The key that signs now, private half included. */
    ECKey current() {
        return current;
    }

    /** {@code claims} signed with the current key as a compact JWS of header type {@code type}. Thread-safe. */
    public String sign(String type, com.nimbusds.jwt.JWTClaimsSet claims) {
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(new com.nimbusds.jose.JOSEObjectType(type)).keyID(current.getKeyID()).build(), claims);
        try {
            jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner(current));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with the attestation key failed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /** The key id of the current key. */
    public String currentKid() {
        return current.getKeyID();
    }

    /** The public keys, current first, then the retired ones: what this node's JWKS serves. */
    public JWKSet publicKeys() {
        List<com.nimbusds.jose.jwk.JWK> keys = new ArrayList<>();
        keys.add(current.toPublicJWK());
        keys.addAll(retired);
        return new JWKSet(keys);
    }

    /** Only the current key's public half, as a node that kept no retired keys would serve it. */
    public SigningKeys publicKeysCurrentOnly() {
        return new SigningKeys(current, List.of());
    }

    private static ECKey loadOrGenerate(Path file) throws IOException {
        if (Files.exists(file)) {
            return parse(Files.readString(file, StandardCharsets.US_ASCII), file.toString(), true);
        }
        Files.createDirectories(file.getParent());
        String pem = generatePem();
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            return parse(Files.readString(file, StandardCharsets.US_ASCII), file.toString(), true);
        }
        Files.writeString(file, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        return parse(pem, file.toString(), true);
    }

    /** A key from PEM text; {@code where} names its source in errors (never its content). */
    static ECKey parse(String pem, String where, boolean needsPrivate) {
        byte[] privateDer = null;
        byte[] publicDer = null;
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": a PEM block is not valid base64");
            }
            switch (m.group(1)) {
                case "PRIVATE KEY" -> privateDer = der;
                case "PUBLIC KEY" -> publicDer = der;
                case "EC PRIVATE KEY" -> throw new IllegalArgumentException(where + ": holds a SEC1 EC PRIVATE KEY; convert it to PKCS#8"
                        + " with openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem");
                default -> {
                    // other blocks (EC PARAMETERS, certificates) are not keys and are ignored
                }
            }
        }
        if (publicDer == null) {
            throw new IllegalArgumentException(where + ": no PUBLIC KEY block; a key file holds the PKCS#8 private key and its public key"
                    + " (append it with openssl pkey -in key.pem -pubout >> key.pem)");
        }
        if (needsPrivate && privateDer == null) {
            throw new IllegalArgumentException(where + ": no PRIVATE KEY block (PKCS#8)");
        }
        try {
            KeyFactory factory = KeyFactory.getInstance("EC");
            if (!(factory.generatePublic(new X509EncodedKeySpec(publicDer)) instanceof ECPublicKey pub)) {
                throw new IllegalArgumentException(where + ": the public key is not an EC key");
            }
            if (Curve.forECParameterSpec(pub.getParams()) != Curve.P_256) {
                throw new IllegalArgumentException(where + ": the key is not on P-256 (ES256 signs with P-256 keys only)");
            }
            ECKey.Builder b = new ECKey.Builder(Curve.P_256, pub).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256);
            if (privateDer != null) {
                if (!(factory.generatePrivate(new PKCS8EncodedKeySpec(privateDer)) instanceof ECPrivateKey priv)) {
                    throw new IllegalArgumentException(where + ": the private key is not an EC key");
                }
                b.privateKey(priv);
            }
            ECKey key = b.keyIDFromThumbprint().build();
            if (privateDer != null && !matches(key)) {
                throw new IllegalArgumentException(where + ": the PUBLIC KEY block is not the public key of the PRIVATE KEY block");
            }
            return key;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(where + ": not a PKCS#8 / X.509 EC key (" + e.getClass().getSimpleName() + ")");
        } catch (JOSEException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    /** Whether the key's private half signs what its public half verifies. */
    private static boolean matches(ECKey key) throws JOSEException {
        byte[] probe = "countersign key check".getBytes(StandardCharsets.US_ASCII);
        try {
            java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
            s.initSign(key.toECPrivateKey());
            s.update(probe);
            byte[] sig = s.sign();
            java.security.Signature v = java.security.Signature.getInstance("SHA256withECDSA");
            v.initVerify(key.toECPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
