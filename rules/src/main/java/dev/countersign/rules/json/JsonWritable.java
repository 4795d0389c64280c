package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * A value of a plain-value tree ({@link JsonValues}) that writes itself, without being turned into
 * maps and lists first: exactly what {@link JsonValues#write} would write of the maps and lists it
 * stands for.
 */
public interface JsonWritable {
    /** Writes this value; {@code sorted}: object keys in order, as {@link JsonValues#write} does. */
    void writeJson(JsonGenerator g, boolean sorted) throws IOException;
}
