package dev.countersign.pdp.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The JVM figures an operator (and the soak) reads from {@code /metrics} to see a node stay flat. */
class ServerMetricsTest {
    @Test
    void exposesHeapThreadsAndOpenFileDescriptors() {
        String scrape = new ServerMetrics().scrape();
        assertTrue(scrape.contains("jvm_memory_used_bytes{area=\"heap\""), "heap used, by pool");
        assertTrue(positive(scrape, "jvm_threads_live_threads "), "live threads");
        // Linux reports open descriptors through the Unix operating-system bean; the project runs there.
        assertTrue(positive(scrape, "process_files_open_files "), "open file descriptors");
        assertTrue(positive(scrape, "process_files_max_files "), "the descriptor limit");
    }

    private static boolean positive(String scrape, String prefix) {
        return Arrays.stream(scrape.split("\n")).filter(l -> l.startsWith(prefix))
                .anyMatch(l -> Double.parseDouble(l.substring(prefix.length()).trim()) > 0);
    }
}
