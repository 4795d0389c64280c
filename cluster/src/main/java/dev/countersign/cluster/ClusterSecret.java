package dev.countersign.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every member of one cluster shares, and the keys derived from it, one per purpose (so
 * knowing one derived value reveals neither the secret nor another key): the Hazelcast cluster name
 * members join under ({@link #joinName}), the seal of approval state ({@link #key} "approval-seal"),
 * the MAC of event-bus messages, the key of the hashes shown to clients and written to the audit log.
 *
 * <p>A cluster of several members is given the secret (from the environment); a single member makes
 * one up and keeps it in its data directory ({@link #loadOrCreate}). Never printed: {@link #toString}
 * says only that it is a secret.
 */
public final class ClusterSecret {
    /** The shortest secret accepted, in characters. */
    public static final int MIN_LENGTH = 32;

    private final byte[] secret;

    private ClusterSecret(byte[] secret) {
        this.secret = secret;
    }

    /** The secret written as text; fails with a message fit for a configuration error when it is too short. */
    public static ClusterSecret of(String text) {
        if (text == null || text.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the cluster secret must be at least " + MIN_LENGTH
                    + " characters (for example: head -c 32 /dev/urandom | base64)");
        }
        return new ClusterSecret(text.strip().getBytes(StandardCharsets.UTF_8));
    }

    /** A new random secret (256 bits). */
    public static ClusterSecret generate() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return of(Base64.getUrlEncoder().withoutPadding().encodeToString(random));
    }

    /**
     * The secret kept in {@code file}, made and written there (readable by its owner only) the first
     * time. A file that is a symbolic link is refused, so the secret is never written through one.
     */
    public static ClusterSecret loadOrCreate(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw new IOException(file + " is a symbolic link; the cluster secret is kept in a regular file");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return of(Files.readString(file, StandardCharsets.UTF_8));
        }
        ClusterSecret made = generate();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(partial);
        try {
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(partial);
        }
        Files.write(partial, made.secret);
        try {
            Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(partial);
            return of(Files.readString(file, StandardCharsets.UTF_8));
        }
        return made;
    }

    /** The key for {@code purpose}: HMAC-SHA256 of the purpose under the secret. */
    public byte[] key(String purpose) {
        return mac(secret, purpose.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The name members of cluster {@code name} join Hazelcast under: the name and a tag derived from
     * the secret, so that a member without the secret is refused at the join (the names differ).
     */
    public String joinName(String name) {
        return name + "-" + HexFormat.of().formatHex(key("cluster-join:" + name), 0, 12);
    }

    /** Whether {@code other} is the same secret, compared in constant time. */
    public boolean sameAs(ClusterSecret other) {
        return other != null && MessageDigest.isEqual(secret, other.secret);
    }

    /** HMAC-SHA256 of {@code data} under {@code key}. */
    public static byte[] mac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "(the cluster secret)";
    }
}
