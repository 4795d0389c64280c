package dev.countersign.pdp.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A record's reasons, written from the decision's own reasons, are byte for byte their wire maps. */
class WireReasonsTest {
    static final List<Reason> REASONS = List.of(
            new Reason("deny-export", "data", Verdict.DENY, "PII may not leave the EU \"as is\"", "data/export.drl:12:1",
                    List.of("SOC2-CC6.1", "GDPR-44")),
            new Reason("hold-agent", "agents", Verdict.NEEDS_APPROVAL, "an agent acts for ünïcode", null),
            new Reason(Reason.DEFAULT_RULE, "", Verdict.DENY, null, null));

    @ParameterizedTest(name = "sorted={0}")
    @ValueSource(booleans = {false, true})
    void writtenAsTheirMaps(boolean sorted) {
        Map<String, Object> asRecord = Map.of("reasons", new WireReasons(REASONS));
        Map<String, Object> asMaps = Map.of("reasons", DecisionService.reasons(REASONS));
        assertEquals(text(asMaps, sorted), text(asRecord, sorted));
    }

    static String text(Object value, boolean sorted) {
        return new String(Json.write(g -> JsonValues.write(g, value, sorted)), StandardCharsets.UTF_8);
    }
}
