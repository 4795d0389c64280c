package dev.countersign.rules.model;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * The circumstances of the action: the model acting, where its data came from, compliance tags,
 * the caller's address and the time the caller states. Decisions never read the clock, so
 * {@code time} is whatever the caller sent (null when absent).
 */
public record Context(String modelId, String datasetOrigin, List<String> complianceTags, String sourceIp,
                      OffsetDateTime time, Map<String, Object> attributes) implements Attributed {
    public Context {
        complianceTags = Parts.list(complianceTags);
        attributes = Parts.attributes(attributes);
    }
}
