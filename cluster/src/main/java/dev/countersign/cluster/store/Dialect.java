package dev.countersign.cluster.store;

/** The SQL that differs between the databases the store runs on. */
public enum Dialect {
    POSTGRES("BYTEA", "TIMESTAMP WITH TIME ZONE"),
    H2("VARBINARY", "TIMESTAMP WITH TIME ZONE");

    private final String bytes;
    private final String timestamp;

    Dialect(String bytes, String timestamp) {
        this.bytes = bytes;
        this.timestamp = timestamp;
    }

    String bytes() {
        return bytes;
    }

    String timestamp() {
        return timestamp;
    }

    /** The statement writing one row of {@code table}, keyed by {@code key}, whatever is there: {@code columns} in order, the key first. */
    String upsert(String table, String key, String... columns) {
        String names = String.join(", ", columns);
        String marks = String.join(", ", java.util.Collections.nCopies(columns.length, "?"));
        if (this == H2) {
            return "MERGE INTO " + table + " (" + names + ") KEY (" + key + ") VALUES (" + marks + ")";
        }
        StringBuilder set = new StringBuilder();
        for (String c : columns) {
            if (!c.equals(key)) {
                set.append(set.isEmpty() ? "" : ", ").append(c).append(" = EXCLUDED.").append(c);
            }
        }
        return "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ") ON CONFLICT (" + key + ") DO UPDATE SET " + set;
    }
}
