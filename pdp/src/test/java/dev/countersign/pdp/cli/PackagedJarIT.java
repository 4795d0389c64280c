package dev.countersign.pdp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar as an operator starts it ({@code java -jar countersign.jar ...}): catches packaging
 * faults such as unmerged {@code META-INF/services} files, which only show in the shaded jar.
 */
class PackagedJarIT {
    static final Path JAR = Path.of(System.getProperty("countersign.jar", "target/countersign.jar"));

    record Result(int status, String out, String err) {
    }

    static Result java(String input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the jar did not finish");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void theJarRunsTheStarterPolicyTests() throws Exception {
        Result r = java(null, "test", "--quiet", "../policies");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("PASS: "), r.out());
    }

    @Test
    void theJarDecidesFromStandardInput() throws Exception {
        Result r = java("{\"actor\": {\"id\": \"agent:etl\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.export\"},"
                + " \"resource\": {\"environment\": \"production\"}}", "eval", "--bundle", "../policies", "--input", "-");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"verdict\":\"needs_approval\""), r.out());
        assertTrue(r.out().contains("\"source\":\"export/export.drl:"), r.out());
    }
}
