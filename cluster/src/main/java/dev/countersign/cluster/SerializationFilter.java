package dev.countersign.cluster;

import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;

/**
 * The classes a member deserialises from the cluster: the product's own shared types, Hazelcast's and
 * Vert.x's cluster-manager types, and the few JDK value classes those are made of. Anything else — the
 * usual deserialisation gadgets among them — is refused before it is instantiated, whoever sends it.
 */
public final class SerializationFilter {
    private SerializationFilter() {
    }

    static JavaSerializationFilterConfig config() {
        return new JavaSerializationFilterConfig().setDefaultsDisabled(true).setWhitelist(allowed());
    }

    /**
     * The same allowance as a Java deserialisation filter, for state read back from elsewhere than
     * the cluster (the durable store): the classes listed, arrays of them, of primitives and of map entries, nothing else.
     */
    public static java.io.ObjectInputFilter inputFilter() {
        ClassFilter allowed = allowed();
        return info -> {
            Class<?> type = info.serialClass();
            if (info.depth() > 40 || info.references() > 1_000_000) {
                return java.io.ObjectInputFilter.Status.REJECTED;
            }
            if (type == null) {
                return java.io.ObjectInputFilter.Status.UNDECIDED;
            }
            while (type.isArray()) {
                type = type.getComponentType();
            }
            // an array of entries is how an immutable map serialises its content; the entries are checked one by one
            return type.isPrimitive() || allowed.isListed(type.getName()) || type == java.util.Map.Entry.class
                    ? java.io.ObjectInputFilter.Status.ALLOWED : java.io.ObjectInputFilter.Status.REJECTED;
        };
    }

    private static ClassFilter allowed() {
        return new ClassFilter()
                .addPrefixes("dev.countersign.cluster.", "com.hazelcast.", "io.vertx.spi.cluster.hazelcast.")
                .addClasses(
                        // values
                        "java.lang.String", "java.lang.Boolean", "java.lang.Integer", "java.lang.Long", "java.lang.Number",
                        "java.lang.Enum", "java.lang.Object", "[Ljava.lang.Object;", "[Ljava.lang.String;",
                        "java.time.Ser", "java.time.Instant", "java.time.Duration", "java.util.UUID",
                        // collections as records copy them (List.copyOf, Set.copyOf, unmodifiable maps)
                        "java.util.CollSer", "java.util.ImmutableCollections$ListN", "java.util.ImmutableCollections$List12",
                        "java.util.ImmutableCollections$SetN", "java.util.ImmutableCollections$Set12",
                        "java.util.ImmutableCollections$MapN", "java.util.ImmutableCollections$Map1",
                        "java.util.Collections$UnmodifiableMap", "java.util.Collections$UnmodifiableCollection",
                        "java.util.Collections$UnmodifiableList", "java.util.Collections$UnmodifiableRandomAccessList",
                        "java.util.Collections$UnmodifiableSet", "java.util.Collections$EmptyList", "java.util.Collections$EmptyMap",
                        "java.util.Collections$EmptySet", "java.util.ArrayList", "java.util.LinkedHashMap", "java.util.HashMap",
                        "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeMap", "java.util.TreeSet",
                        // failures thrown where an entry is held travel back to the caller
                        "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.IllegalStateException",
                        "java.lang.IllegalArgumentException", "java.lang.NullPointerException", "java.lang.UnsupportedOperationException",
                        "java.lang.SecurityException", "java.lang.StackTraceElement", "[Ljava.lang.StackTraceElement;",
                        "java.util.concurrent.CompletionException", "java.util.concurrent.ExecutionException");
    }
}
