package dev.countersign.pdp.decision;

import dev.countersign.rules.Decision;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decision as the API answers it: the engine's decision and the fields the workflow adds to its
 * approval (id, status, expires_at), which are empty unless an approval is involved.
 */
public record Decided(Decision decision, Map<String, Object> approvalExtras) {
    public Decided {
        approvalExtras = Collections.unmodifiableMap(new LinkedHashMap<>(approvalExtras));
    }
}
