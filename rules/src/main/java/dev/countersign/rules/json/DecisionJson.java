package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The wire form of a {@link Decision}, shared by the CLI and the server. */
public final class DecisionJson {
    private DecisionJson() {
    }

    /** Writes the decision object. */
    public static void write(JsonGenerator g, Decision d) throws IOException {
        g.writeStartObject();
        writeFields(g, d);
        g.writeEndObject();
    }

    /**
     * Writes the decision's fields into an object the caller has opened, so callers can add their own
     * fields; {@code approvalExtras} are written first inside {@code approval} (id, status, expires_at),
     * and alone as {@code approval} when the decision holds no requirement (an approval redeemed).
     */
    public static void writeFields(JsonGenerator g, Decision d, Map<String, ?> approvalExtras) throws IOException {
        g.writeStringField("decision_id", d.decisionId());
        g.writeStringField("verdict", d.verdict().wireName());
        g.writeArrayFieldStart("reasons");
        for (Reason r : d.reasons()) {
            writeReason(g, r);
        }
        g.writeEndArray();
        if (d.approval() != null) {
            g.writeFieldName("approval");
            writeApproval(g, d.approval(), approvalExtras);
        } else if (!approvalExtras.isEmpty()) {
            g.writeFieldName("approval");
            JsonValues.write(g, approvalExtras, false);
        }
        g.writeStringField("bundle_revision", d.bundleRevision());
    }

    public static void writeFields(JsonGenerator g, Decision d) throws IOException {
        writeFields(g, d, Map.of());
    }

    public static void writeReason(JsonGenerator g, Reason r) throws IOException {
        g.writeStartObject();
        g.writeStringField("rule", r.rule());
        g.writeStringField("package", r.packageName());
        g.writeStringField("verdict", r.verdict().wireName());
        g.writeStringField("message", r.message());
        if (r.source() != null) {
            g.writeStringField("source", r.source());
        }
        g.writeArrayFieldStart("controls");
        for (String control : r.controls()) {
            g.writeString(control);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    public static void writeApproval(JsonGenerator g, ApprovalRequirement a, Map<String, ?> extras) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, ?> e : extras.entrySet()) {
            g.writeFieldName(e.getKey());
            JsonValues.write(g, e.getValue(), false);
        }
        g.writeArrayFieldStart("groups");
        for (String group : a.groups()) {
            g.writeString(group);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("quorum");
        for (Map.Entry<String, Integer> e : a.quorum().entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeStringField("ttl", a.ttl().toString());
        g.writeEndObject();
    }

    public static byte[] toBytes(Decision d) {
        return Json.write(g -> write(g, d));
    }

    public static String toJsonString(Decision d) {
        return new String(toBytes(d), StandardCharsets.UTF_8);
    }
}
