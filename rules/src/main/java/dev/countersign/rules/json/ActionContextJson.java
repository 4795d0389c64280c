package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An action context back to its wire form. Unknown fields a part kept in its attributes are written
 * back in place, so reading and writing loses nothing; absent values and empty lists are left out.
 * {@code context.time} is written in the offset the caller sent it with, and the attribute
 * {@code time_offset} the reader derives from it is not written: the wire form is the caller's.
 */
public final class ActionContextJson {
    private ActionContextJson() {
    }

    /** The wire form as plain maps and lists, in wire order (for masking and canonical hashing). */
    public static Map<String, Object> toTree(ActionContext c) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (c.actor() != null) {
            root.put("actor", actor(c.actor()));
        }
        root.put("action", action(c.action()));
        if (c.resource() != null) {
            root.put("resource", resource(c.resource()));
        }
        if (c.target() != null) {
            root.put("target", target(c.target()));
        }
        if (c.context() != null) {
            root.put("context", context(c.context()));
        }
        if (!c.attributes().isEmpty()) {
            root.put("attributes", new LinkedHashMap<>(c.attributes()));
        }
        return root;
    }

    public static void write(JsonGenerator g, ActionContext c) throws IOException {
        JsonValues.write(g, toTree(c), false);
    }

    public static byte[] toBytes(ActionContext c) {
        return Json.write(g -> write(g, c));
    }

    /**
     * {@code sha256:<hex>} of the canonical form: object keys sorted, no whitespace. Two contexts that
     * mean the same (whatever their key order on the wire) have the same hash.
     */
    public static String canonicalHash(ActionContext c) {
        return canonicalHash(toTree(c));
    }

    /** As {@link #canonicalHash(ActionContext)}, from the context's wire form as {@link #toTree} gives it. */
    public static String canonicalHash(Map<String, Object> tree) {
        byte[] canonical = canonical(tree);
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** The canonical form of a context's wire form ({@link #toTree}): object keys sorted, no whitespace, UTF-8. */
    public static byte[] canonical(Map<String, Object> tree) {
        return Json.write(g -> JsonValues.write(g, tree, true));
    }

    /** Writes {@link #canonical}'s bytes of {@code tree} to {@code out}, as they are made (for a digest fed as it goes). */
    public static void writeCanonical(Map<String, Object> tree, OutputStream out) {
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            JsonValues.write(g, tree, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toJsonString(ActionContext c) {
        return new String(toBytes(c), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> actor(Actor a) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "id", a.id());
        put(m, "type", a.type());
        put(m, "roles", a.roles());
        put(m, "groups", a.groups());
        put(m, "on_behalf_of", a.onBehalfOf());
        m.putAll(a.attributes());
        return m;
    }

    private static Map<String, Object> action(Action a) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "name", a.name());
        put(m, "command", a.command());
        put(m, "intent", a.intent());
        m.putAll(a.attributes());
        return m;
    }

    private static Map<String, Object> resource(Resource r) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "type", r.type());
        put(m, "id", r.id());
        put(m, "classification", r.classification());
        put(m, "environment", r.environment());
        put(m, "region", r.region());
        put(m, "owner", r.owner());
        m.putAll(r.attributes());
        return m;
    }

    private static Map<String, Object> target(Target t) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "region", t.region());
        put(m, "endpoint", t.endpoint());
        m.putAll(t.attributes());
        return m;
    }

    private static Map<String, Object> context(Context c) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "model_id", c.modelId());
        put(m, "dataset_origin", c.datasetOrigin());
        put(m, "compliance_tags", c.complianceTags());
        put(m, "source_ip", c.sourceIp());
        put(m, "time", c.time() == null ? null : timeAsSent(c).toString());
        c.attributes().forEach((key, value) -> {
            if (!key.equals(Context.TIME_OFFSET)) {
                m.put(key, value);   // the offset is the server's reading of time, written back into it
            }
        });
        return m;
    }

    /**
     * The context's time in the offset the caller sent it with (as {@code time_offset} says). Not a
     * method of {@link Context}: rules would see it, and the caller's offset is what they must not use.
     */
    private static OffsetDateTime timeAsSent(Context c) {
        Object offset = c.attributes().get(Context.TIME_OFFSET);
        try {
            return offset instanceof String id ? c.time().withOffsetSameInstant(ZoneOffset.of(id)) : c.time();
        } catch (DateTimeException e) {
            return c.time();   // an offset set by other code than the reader, not one a caller sent
        }
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value == null || (value instanceof List<?> l && l.isEmpty())) {
            return;
        }
        m.put(key, value);
    }
}
