package dev.countersign.cluster.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The schema of the durable store, as numbered migrations the product applies itself, in order, each
 * once, recorded in {@code countersign_schema} (version, description, when). Members of a cluster
 * starting at once on one PostgreSQL database migrate under one advisory lock, so each migration is
 * applied by one of them. A database migrated by a newer Countersign than this one is refused.
 */
final class Migrations {
    private static final long LOCK = 0x636f756e7465L;   // "counte": Countersign's advisory lock on PostgreSQL

    record Migration(int version, String description, Function<Dialect, List<String>> statements) {
    }

    static final List<Migration> ALL = List.of(
            new Migration(1, "approvals and their asks", d -> List.of(
                    "CREATE TABLE countersign_approvals (id VARCHAR(200) PRIMARY KEY, status VARCHAR(20) NOT NULL, expires_at "
                            + d.timestamp() + " NOT NULL, keep_until " + d.timestamp() + ", version BIGINT NOT NULL, body " + d.bytes()
                            + " NOT NULL, stored_at " + d.timestamp() + " NOT NULL)",
                    "CREATE INDEX countersign_approvals_status ON countersign_approvals (status)",
                    "CREATE INDEX countersign_approvals_keep_until ON countersign_approvals (keep_until)",
                    "CREATE TABLE countersign_approval_asks (ask_key VARCHAR(1024) PRIMARY KEY, approval_id VARCHAR(200) NOT NULL,"
                            + " keep_until " + d.timestamp() + ")",
                    "CREATE INDEX countersign_approval_asks_keep_until ON countersign_approval_asks (keep_until)")));

    /** The version the newest migration brings a database to. */
    static int latest() {
        return ALL.get(ALL.size() - 1).version();
    }

    private Migrations() {
    }

    /** Applies every migration {@code connection}'s database lacks; answers the versions applied. */
    static List<Integer> apply(Connection connection, Dialect dialect) throws SQLException {
        boolean auto = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            if (dialect == Dialect.POSTGRES) {
                try (Statement s = connection.createStatement()) {
                    s.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
                }
            }
            try (Statement s = connection.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS countersign_schema (version INTEGER PRIMARY KEY, description VARCHAR(200) NOT NULL,"
                        + " applied_at " + dialect.timestamp() + " NOT NULL)");
            }
            int current = version(connection);
            if (current > latest()) {
                throw new SQLException("the store's schema is at version " + current + ", newer than this Countersign knows ("
                        + latest() + "): run a Countersign at least as new as the one that migrated it");
            }
            List<Integer> applied = new java.util.ArrayList<>();
            for (Migration m : ALL) {
                if (m.version() <= current) {
                    continue;
                }
                try (Statement s = connection.createStatement()) {
                    for (String sql : m.statements().apply(dialect)) {
                        s.execute(sql);
                    }
                }
                try (PreparedStatement p = connection.prepareStatement(
                        "INSERT INTO countersign_schema (version, description, applied_at) VALUES (?, ?, ?)")) {
                    p.setInt(1, m.version());
                    p.setString(2, m.description());
                    p.setObject(3, java.time.OffsetDateTime.ofInstant(Instant.now(), java.time.ZoneOffset.UTC));
                    p.executeUpdate();
                }
                applied.add(m.version());
            }
            connection.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(auto);
        }
    }

    /** The schema version of {@code connection}'s database: 0 when it has none yet. */
    static int version(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT MAX(version) FROM countersign_schema")) {
            return r.next() ? r.getInt(1) : 0;
        } catch (SQLException e) {
            if (!connection.getAutoCommit()) {
                throw e;   // inside the migration the table exists: this is a real failure
            }
            return 0;
        }
    }
}
