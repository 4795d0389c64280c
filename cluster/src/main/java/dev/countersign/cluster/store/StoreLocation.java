package dev.countersign.cluster.store;

import java.nio.file.Path;

/**
 * Where the durable store is: a PostgreSQL database shared by the members of a cluster, or the
 * embedded file database of one node, in its data directory. {@link #toString} never shows the password.
 *
 * @param pool the most connections a member opens
 */
public record StoreLocation(Dialect dialect, String url, String user, String password, int pool) {
    /** The directory, under a node's data directory, of its embedded store. */
    public static final String EMBEDDED_DIR = "store";

    public StoreLocation {
        if (pool < 1) {
            throw new IllegalArgumentException("store pool must be 1 or more, not " + pool);
        }
    }

    /** A PostgreSQL database at the JDBC {@code url}. */
    public static StoreLocation postgres(String url, String user, String password, int pool) {
        return new StoreLocation(Dialect.POSTGRES, url, user, password, pool);
    }

    /**
     * The embedded store of the node whose data directory is {@code dataDir}: an H2 file database that
     * writes each commit to the file before it answers ({@code WRITE_DELAY=0}), so a process killed
     * right after an acknowledgement loses nothing it acknowledged.
     */
    public static StoreLocation embedded(Path dataDir) {
        Path file = dataDir.toAbsolutePath().resolve(EMBEDDED_DIR).resolve("approvals");
        return new StoreLocation(Dialect.H2, "jdbc:h2:file:" + file + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE", "countersign", "", 2);
    }

    /** The database, for logs and health: its URL without parameters, never the password. */
    public String describe() {
        int params = url.indexOf(dialect == Dialect.H2 ? ';' : '?');
        return (dialect == Dialect.H2 ? "embedded " : "postgres ") + (params < 0 ? url : url.substring(0, params));
    }

    @Override
    public String toString() {
        return describe();
    }
}
