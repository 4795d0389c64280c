package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * A value of a plain-value tree ({@link JsonValues}) that writes itself, without being turned into
 * maps and lists first. What it writes is exactly what {@link #asValue()} written by
 * {@link JsonValues#write} would be.
 */
public interface JsonWritable {
    /** Writes this value; {@code sorted}: object keys in order, as {@link JsonValues#write} does. */
    void writeJson(JsonGenerator g, boolean sorted) throws IOException;

    /** The same value as maps, lists and scalars. */
    Object asValue();
}
