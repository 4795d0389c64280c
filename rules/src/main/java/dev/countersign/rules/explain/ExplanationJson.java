package dev.countersign.rules.explain;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.countersign.rules.json.JsonValues;
import java.io.IOException;
import java.util.Map;

/**
 * The JSON form of an {@link Explanation}, the {@code explanation} object of {@code eval --explain
 * --format json} and of {@code POST /v1/decisions?explain=full}:
 * {@code {"scope", "evaluation_failure"?, "rules": [{"rule", "package", "source", "fired", "outcome",
 * "note"?, "conditions": [{"text", "source", "anchor", "outcome", "message"?, "constraints": [{"text",
 * "source", "outcome", "values", "message"?}]}]}]}}; a {@code source} is {@code file:line} for a rule
 * and {@code file:line:column} for a condition; {@code values} maps each expression read to its value.
 */
public final class ExplanationJson {
    private ExplanationJson() {
    }

    /** Writes the explanation object (without the decision, which its caller writes). */
    public static void write(JsonGenerator g, Explanation e) throws IOException {
        g.writeStartObject();
        g.writeStringField("scope", e.scope());
        if (e.evaluationFailure() != null) {
            g.writeStringField("evaluation_failure", e.evaluationFailure());
        }
        g.writeArrayFieldStart("rules");
        for (RuleExplanation r : e.rules()) {
            g.writeStartObject();
            g.writeStringField("rule", r.rule().name());
            g.writeStringField("package", r.rule().packageName());
            g.writeStringField("source", r.rule().source());
            g.writeBooleanField("fired", r.fired());
            g.writeStringField("outcome", r.outcome().wireName());
            if (r.note() != null) {
                g.writeStringField("note", r.note());
            }
            g.writeArrayFieldStart("conditions");
            for (ConditionExplanation c : r.conditions()) {
                g.writeStartObject();
                g.writeStringField("text", c.text());
                g.writeStringField("source", r.rule().file() + ":" + c.line() + ":" + c.column());
                g.writeBooleanField("anchor", c.anchor());
                g.writeStringField("outcome", c.outcome().wireName());
                if (c.message() != null) {
                    g.writeStringField("message", c.message());
                }
                g.writeArrayFieldStart("constraints");
                for (ConstraintExplanation k : c.constraints()) {
                    g.writeStartObject();
                    g.writeStringField("text", k.text());
                    g.writeStringField("source", r.rule().file() + ":" + k.line() + ":" + k.column());
                    g.writeStringField("outcome", k.outcome().wireName());
                    g.writeObjectFieldStart("values");
                    for (Map.Entry<String, Object> v : k.values().entrySet()) {
                        g.writeFieldName(v.getKey());
                        JsonValues.write(g, v.getValue(), true);
                    }
                    g.writeEndObject();
                    if (k.message() != null) {
                        g.writeStringField("message", k.message());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
