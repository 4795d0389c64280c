package dev.countersign.pdp.decision;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.countersign.rules.Reason;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.json.JsonValues;
import dev.countersign.rules.json.JsonWritable;
import java.io.IOException;
import java.util.List;

/**
 * A decision's reasons as a value in a record or an answer: written as {@link DecisionService#reasons}
 * would give them, straight from the reasons (a decision answered from the cache shares them), not
 * from maps built for every decision.
 */
public record WireReasons(List<Reason> reasons) implements JsonWritable {
    @Override
    public void writeJson(JsonGenerator g, boolean sorted) throws IOException {
        if (sorted) {
            JsonValues.write(g, DecisionService.reasons(reasons), true);   // sorted keys: the maps' own writer
            return;
        }
        g.writeStartArray();
        for (Reason r : reasons) {
            DecisionJson.writeReason(g, r);
        }
        g.writeEndArray();
    }
}
