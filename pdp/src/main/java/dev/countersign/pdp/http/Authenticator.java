package dev.countersign.pdp.http;

import dev.countersign.pdp.config.ClientConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens to callers. Configured clients are known by the SHA-256 of their token; a token is
 * hashed once and then remembered (a bounded number of them), so authentication costs a map lookup.
 * Every caller of one client shares that client's {@link RateLimit} on this node. Tokens are never
 * logged or kept in a form that is written anywhere.
 */
public final class Authenticator {
    private static final int REMEMBERED = 4096;

    private final Map<String, Caller> byHash = new HashMap<>();
    private final Map<String, Caller> remembered = new ConcurrentHashMap<>();

    public Authenticator(List<ClientConfig> clients) {
        for (ClientConfig c : clients) {
            byHash.put(c.tokenSha256(), Caller.of(c, c.rate() == null ? null : new RateLimit(c.rate())));
        }
    }

    /** Whether any client is configured; without clients every caller is the local anonymous one. */
    public boolean enabled() {
        return !byHash.isEmpty();
    }

    /** The caller a token belongs to, or null for an unknown token. */
    public Caller authenticate(String token) {
        if (!enabled()) {
            return Caller.local();
        }
        if (token == null || token.isEmpty()) {
            return null;
        }
        Caller known = remembered.get(token);
        if (known != null) {
            return known;
        }
        Caller caller = byHash.get(sha256Hex(token));
        if (caller == null) {
            return null;
        }
        if (remembered.size() < REMEMBERED) {
            remembered.put(token, caller);
        }
        return caller;
    }

    /** The token of an {@code Authorization: Bearer <token>} header value, or null. */
    public static String bearer(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    public static String sha256Hex(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
