package dev.countersign.connectors.slack;

import dev.countersign.connectors.Secret;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack's request signature, version {@code v0}: {@code "v0=" + hex(HMAC-SHA256(signing secret,
 * "v0:" + timestamp + ":" + raw body))}, over the exact bytes received (still URL-encoded; a body
 * re-serialised is a different body), lowercase hex.
 */
public final class SlackSignature {
    public static final String VERSION = "v0";

    private SlackSignature() {
    }

    /** The {@code X-Slack-Signature} Slack would send for {@code rawBody} at {@code timestamp}. */
    public static String sign(Secret signingSecret, String timestamp, byte[] rawBody) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingSecret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            return VERSION + "=" + HexFormat.of().formatHex(mac.doFinal(rawBody));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is required of every Java platform", e);
        }
    }

    /** Whether {@code signature} is the one for {@code rawBody} at {@code timestamp}, compared in constant time. */
    public static boolean matches(Secret signingSecret, String timestamp, byte[] rawBody, String signature) {
        byte[] expected = sign(signingSecret, timestamp, rawBody).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
    }
}
