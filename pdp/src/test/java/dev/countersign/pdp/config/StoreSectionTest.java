package dev.countersign.pdp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.cluster.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code store}: the embedded default of a node alone, PostgreSQL or an explicit memory for a cluster, and the errors naming the key. */
class StoreSectionTest {
    private static final String MEMBERS = "cluster: {members: [\"127.0.0.1:5701\", \"127.0.0.1:5702\"], secret: \"${CS}\"}\n";
    private static final Map<String, String> ENV = Map.of("CS", "a-cluster-secret-of-32-characters-0123", "PG_PASSWORD", "pw-from-env");
    @TempDir
    Path dir;

    private ServerConfig load(String yaml) throws Exception {
        Path file = dir.resolve("countersign.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, ENV, ConfigLoader.Overrides.NONE);
    }

    @Test
    void aNodeAloneKeepsItsApprovalsInItsDataDirectoryByDefault() throws Exception {
        ServerConfig c = load("data_dir: state\n");
        StoreLocation at = c.store().resolve(c.dataDir(), c.cluster());
        assertEquals(StoreLocation.embedded(Path.of("state")), at);
        assertTrue(at.url().contains(Path.of("state").toAbsolutePath().resolve("store").toString()), at.url());
        assertNull(load("store: {kind: memory}\n").store().resolve(c.dataDir(), c.cluster()), "memory: nothing kept");
    }

    @Test
    void aClusterNamesItsSharedDatabaseOrMemory() throws Exception {
        ServerConfig pg = load(MEMBERS + "store: {postgres: {url: \"jdbc:postgresql://db:5432/cs\", user: cs, password: \"${PG_PASSWORD}\"}}\n");
        assertEquals(StoreLocation.postgres("jdbc:postgresql://db:5432/cs", "cs", "pw-from-env", StoreSection.DEFAULT_POOL),
                pg.store().resolve(pg.dataDir(), pg.cluster()));
        ServerConfig memory = load(MEMBERS + "store: {kind: memory}\n");
        assertNull(memory.store().resolve(memory.dataDir(), memory.cluster()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`" + MEMBERS + "`                                                 | store: a node with cluster members",
            "`" + MEMBERS + "store: {kind: embedded}`                          | store.kind embedded keeps approvals in one node",
            "`store: {kind: disk}`                                             | store.kind must be embedded",
            "`store: {postgres: {user: cs}}`                                   | store.postgres.url is required",
            "`store: {postgres: {url: \"postgres://db/cs\", user: cs}}`        | store.postgres.url must be a PostgreSQL JDBC URL",
            "`store: {postgres: {url: \"jdbc:postgresql://db/cs\"}}`           | store.postgres.user is required",
            "`store: {postgres: {url: \"jdbc:postgresql://db/cs\", user: cs, pool: 0}}` | store.postgres.pool must be from 1 to 100",
            "`store: {postgres: {url: \"jdbc:postgresql://db/cs\", user: cs, passwd: x}}` | unknown key 'store.postgres.passwd'",
            "`store: {kind: memory, postgres: {url: \"jdbc:postgresql://db/cs\", user: cs}}` | store.postgres is set but store.kind is memory",
            "`store: {where: here}`                                            | unknown key 'store.where'"})
    void aWrongStoreIsRefusedNamingTheKey(String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
