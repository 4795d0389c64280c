package dev.countersign.cluster.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database behind a member's approval state: a small connection pool with short timeouts (a
 * database that does not answer fails a transition within seconds instead of holding it), the
 * schema's migrations, the store's health and its timings. Every call blocks: it runs on Hazelcast's
 * threads or a worker, never on an event loop.
 *
 * <p>Health: the store is down from the moment a call fails until the probe, which tries the
 * database every second while it is down (its tables, not only a connection), finds it back. While
 * it is down every call is refused at once, without waiting out a connection timeout on a thread
 * that Hazelcast or a worker needs.
 */
public final class ApprovalDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalDatabase.class);
    static final long PROBE_EVERY_MILLIS = 1_000;

    private final StoreLocation location;
    private final HikariDataSource pool;
    private final Clock clock;
    private final Timing writes = new Timing();
    private final Timing reads = new Timing();
    private final ScheduledExecutorService probe;
    private volatile Failure failure;

    /** The store's health: up, or down since {@code since} for {@code error}. */
    public record Health(boolean up, String error, Instant since) {
    }

    private record Failure(String error, Instant since) {
    }

    /** Calls, errors and the total time they took, for {@code /metrics}. */
    public static final class Timing {
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong nanos = new AtomicLong();

        void record(long took, boolean failed) {
            calls.incrementAndGet();
            nanos.addAndGet(took);
            if (failed) {
                errors.incrementAndGet();
            }
        }

        public long calls() {
            return calls.get();
        }

        public long errors() {
            return errors.get();
        }

        public double seconds() {
            return nanos.get() / 1e9;
        }
    }

    /** A statement's work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    private ApprovalDatabase(StoreLocation location, HikariDataSource pool, Clock clock) {
        this.location = location;
        this.pool = pool;
        this.clock = clock;
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "countersign-store-probe");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(this::probeWhenDown, PROBE_EVERY_MILLIS, PROBE_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the pool to {@code location} (no connection is made until one is needed); the embedded
     * store's directory is created.
     */
    public static ApprovalDatabase open(StoreLocation location, Clock clock) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("countersign-store");
        config.setJdbcUrl(location.url());
        config.setDriverClassName(location.dialect() == Dialect.POSTGRES ? "org.postgresql.Driver" : "org.h2.Driver");
        config.setUsername(location.user());
        config.setPassword(location.password());
        config.setMaximumPoolSize(location.pool());
        config.setMinimumIdle(Math.min(2, location.pool()));
        config.setConnectionTimeout(2_000);
        config.setValidationTimeout(1_000);
        config.setInitializationFailTimeout(-1);   // the pool opens even while the database is away
        config.setAutoCommit(true);
        if (location.dialect() == Dialect.POSTGRES) {
            config.addDataSourceProperty("connectTimeout", "2");
            config.addDataSourceProperty("socketTimeout", "10");
            config.addDataSourceProperty("loginTimeout", "2");
            config.addDataSourceProperty("tcpKeepAlive", "true");
            config.addDataSourceProperty("ApplicationName", "countersign");
        }
        return new ApprovalDatabase(location, new HikariDataSource(config), clock);
    }

    public StoreLocation location() {
        return location;
    }

    Dialect dialect() {
        return location.dialect();
    }

    Clock clock() {
        return clock;
    }

    /** {@code work}, timed as a write; a failure marks the store down and is thrown as {@link StoreUnavailableException}. */
    public <T> T write(String what, Work<T> work) {
        return timed(writes, "write " + what, work);
    }

    /** {@code work}, timed as a read; a failure marks the store down and is thrown as {@link StoreUnavailableException}. */
    public <T> T read(String what, Work<T> work) {
        return timed(reads, "read " + what, work);
    }

    private <T> T timed(Timing timing, String what, Work<T> work) {
        long start = System.nanoTime();
        Failure known = failure;
        if (known != null) {
            // Down: refused at once (no thread waits out a connection timeout); the probe notices the return.
            timing.record(System.nanoTime() - start, true);
            throw new StoreUnavailableException("the approval store (" + location.describe() + ") is down since " + known.since()
                    + " (" + known.error() + "), so it could not " + what + "; the change was not made");
        }
        try (Connection c = pool.getConnection()) {
            T result = work.on(c);
            timing.record(System.nanoTime() - start, false);
            up();
            return result;
        } catch (SQLException | RuntimeException e) {
            timing.record(System.nanoTime() - start, true);
            String error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            down(error);
            throw new StoreUnavailableException("the approval store (" + location.describe() + ") could not " + what + ": " + error
                    + "; the change was not made");
        }
    }

    private void up() {
        Failure was = failure;
        if (was != null) {
            failure = null;
            LOG.info("the approval store ({}) answers again, after being down since {}", location.describe(), was.since());
        }
    }

    private void down(String error) {
        if (failure == null) {
            failure = new Failure(error, clock.instant());
            LOG.error("the approval store ({}) is down: {}; approval changes are refused until it answers", location.describe(), error);
        }
    }

    private void probeWhenDown() {
        if (failure == null) {
            return;
        }
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT COUNT(*) FROM countersign_approvals WHERE 1 = 0").close();
            s.executeQuery("SELECT COUNT(*) FROM countersign_approval_asks WHERE 1 = 0").close();
            up();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("the approval store is still down: {}", e.getMessage());
        }
    }

    /** Up, or down with why and since when; reads no database (a probe keeps it current). */
    public Health health() {
        Failure f = failure;
        return f == null ? new Health(true, null, null) : new Health(false, f.error(), f.since());
    }

    public Timing writes() {
        return writes;
    }

    public Timing reads() {
        return reads;
    }

    /** Brings the schema to the version this Countersign knows; answers the versions applied (none when it was current). */
    public List<Integer> migrate() {
        List<Integer> applied = write("migrate the schema", c -> Migrations.apply(c, location.dialect()));
        if (!applied.isEmpty()) {
            LOG.info("the approval store ({}) migrated to schema version {}", location.describe(), applied.get(applied.size() - 1));
        }
        return applied;
    }

    /** What {@code countersign store check} reports. */
    public record Check(String location, int schemaVersion, int latestVersion, long approvals, long pending, long asks) {
    }

    /** Connects, and reads the schema version and row counts (zero counts before the first migration). */
    public Check check() {
        return read("check", c -> {
            int version = Migrations.version(c);
            if (version == 0) {
                return new Check(location.describe(), 0, Migrations.latest(), 0, 0, 0);
            }
            return new Check(location.describe(), version, Migrations.latest(), count(c, "SELECT COUNT(*) FROM countersign_approvals"),
                    count(c, "SELECT COUNT(*) FROM countersign_approvals WHERE status = 'PENDING'"),
                    count(c, "SELECT COUNT(*) FROM countersign_approval_asks"));
        });
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    @Override
    public void close() {
        probe.shutdownNow();
        pool.close();
    }
}
