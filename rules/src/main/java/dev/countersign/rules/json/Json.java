package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one Jackson configuration used for the wire: strict duplicate detection, bounded nesting. */
public final class Json {
    /** Hard nesting bound of the parser; the readers enforce their own, lower, limit with a clear error. */
    private static final int PARSER_MAX_DEPTH = 256;

    public static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(PARSER_MAX_DEPTH).build())
            .build();

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

    /** YAML for bundle files (data documents, manifests, rule tests), with the same strictness. */
    public static final YAMLFactory YAML_FACTORY = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(PARSER_MAX_DEPTH).build())
            .build();

    private Json() {
    }

    public static JsonParser parser(byte[] json) throws IOException {
        return FACTORY.createParser(json);
    }

    /**
     * Writes with {@code body} into UTF-8 bytes. The generator writes into the factory's recycled buffer
     * (Jackson's {@link ByteArrayBuilder} over its buffer recycler, as {@code writeValueAsBytes} does),
     * so a document costs one copy, the returned array, instead of a growing stream and its copy.
     */
    public static byte[] write(IoConsumer<JsonGenerator> body) {
        BufferRecycler recycler = FACTORY._getBufferRecycler();
        ByteArrayBuilder out = new ByteArrayBuilder(recycler);
        try {
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                body.accept(g);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            out.release();
            recycler.releaseToPool();
        }
    }

    /** A consumer that may throw {@link IOException}, as Jackson generators do. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T value) throws IOException;
    }
}
