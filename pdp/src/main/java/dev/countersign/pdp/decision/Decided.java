package dev.countersign.pdp.decision;

import dev.countersign.rules.Decision;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decision as the API answers it: the engine's decision, the fields the workflow adds to its
 * approval (id, status, expires_at), which are empty unless an approval is involved, and its signed
 * {@code attestation} (a compact JWS), null unless the decision is an allow that is signed.
 */
public record Decided(Decision decision, Map<String, Object> approvalExtras, String attestation) {
    public Decided {
        approvalExtras = Collections.unmodifiableMap(new LinkedHashMap<>(approvalExtras));
    }

    public Decided(Decision decision, Map<String, Object> approvalExtras) {
        this(decision, approvalExtras, null);
    }
}
