package dev.countersign.rules.model;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The circumstances of the action: the model acting, where its data came from, compliance tags,
 * the caller's address and the time the caller states. Decisions never read the clock, so
 * {@code time} is whatever instant the caller sent (null when absent), always in UTC, so that
 * {@code time.hour} means one thing whatever offset the caller chose; the caller's offset is kept as
 * the attribute {@value #TIME_OFFSET} ({@code "+02:00"}, {@code "Z"}), present whenever {@code time} is.
 */
public record Context(String modelId, String datasetOrigin, List<String> complianceTags, String sourceIp,
                      OffsetDateTime time, Map<String, Object> attributes) implements Attributed {
    /** The attribute that keeps the offset {@code time} was sent with. */
    public static final String TIME_OFFSET = "time_offset";

    public Context {
        complianceTags = Parts.list(complianceTags);
        if (time != null && (!time.getOffset().equals(ZoneOffset.UTC) || attributes == null || !attributes.containsKey(TIME_OFFSET))) {
            Map<String, Object> withOffset = attributes == null ? new LinkedHashMap<>() : new LinkedHashMap<>(attributes);
            withOffset.put(TIME_OFFSET, time.getOffset().getId());
            attributes = withOffset;
            time = time.withOffsetSameInstant(ZoneOffset.UTC);
        }
        attributes = Parts.attributes(attributes);
    }
}
