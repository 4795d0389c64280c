package dev.countersign.pdp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code countersign store migrate|check} on a node's embedded store, read from the same configuration file as serve. */
class StoreCommandTest {
    @TempDir
    Path dir;

    @Test
    void checkReportsTheSchemaAndMigrateBringsItToThisVersion() throws Exception {
        Path config = dir.resolve("countersign.yaml");
        Files.writeString(config, "data_dir: \"" + dir.resolve("data") + "\"\n");
        CliRun before = CliRun.run("store", "check", "--config", config.toString());
        assertEquals(1, before.status(), before.out() + before.err());
        assertTrue(before.out().contains("schema version: 0 (this Countersign: 1)"), before.out());
        assertTrue(before.err().contains("run countersign store migrate"), before.err());

        CliRun migrate = CliRun.run("store", "migrate", "--config", config.toString());
        assertEquals(0, migrate.status(), migrate.err());
        assertTrue(migrate.out().contains("applied migration(s) [1]; schema at version 1"), migrate.out());
        CliRun again = CliRun.run("store", "migrate", "--config", config.toString());
        assertTrue(again.out().contains("schema already at version 1"), again.out());

        CliRun check = CliRun.run("store", "check", "--config", config.toString());
        assertEquals(0, check.status(), check.err());
        assertTrue(check.out().contains("store: embedded jdbc:h2:file:" + dir.resolve("data").toAbsolutePath()), check.out());
        assertTrue(check.out().contains("connected: yes"), check.out());
        assertTrue(check.out().contains("approvals: 0 (pending: 0)"), check.out());
        assertTrue(Files.isDirectory(dir.resolve("data").resolve("store")), "the embedded store is in the data directory");
    }

    @Test
    void aConfigurationWithoutAStoreOrABadOneIsBadInput() throws Exception {
        Path memory = dir.resolve("memory.yaml");
        Files.writeString(memory, "store: {kind: memory}\n");
        CliRun none = CliRun.run("store", "check", "--config", memory.toString());
        assertEquals(2, none.status());
        assertTrue(none.err().contains("in memory only"), none.err());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "store: {postgres: {url: \"jdbc:postgresql://127.0.0.1:1/none\"}}\n");
        CliRun refused = CliRun.run("store", "migrate", "--config", bad.toString());
        assertEquals(2, refused.status());
        assertTrue(refused.err().contains("store.postgres.user is required"), refused.err());
        Path unreachable = dir.resolve("unreachable.yaml");
        Files.writeString(unreachable, "store: {postgres: {url: \"jdbc:postgresql://127.0.0.1:1/none\", user: cs, password: not-printed-4711}}\n");
        CliRun down = CliRun.run("store", "check", "--config", unreachable.toString());
        assertEquals(1, down.status(), down.out());
        assertTrue(down.err().contains("could not read check"), down.err());
        assertTrue(!down.err().contains("not-printed-4711"), "the password is never printed");
    }
}
