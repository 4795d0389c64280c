package dev.countersign.pdp.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.countersign.pdp.cli.CliRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report as a real browser renders it: headless Chromium (the distribution's package) loads
 * the file with the network off, and the DOM it built holds the expected figures, the hostile
 * comment as text (no script element), and the inline charts; a screenshot is taken too (the page
 * paints). Fails, saying what to install, when Chromium is missing.
 */
class ReportInChromiumTest {
    @TempDir
    Path dir;

    @Test
    void chromiumRendersTheFiguresAndShowsRecordTextAsText() throws Exception {
        Path log = dir.resolve("audit");
        EvidenceLog.write(log);
        Path html = dir.resolve("report.html");
        CliRun run = CliRun.run("audit", "report", log.toString(), "--out", html.toString());
        assertEquals(0, run.status(), run.err());

        String dom = chromium(List.of("--dump-dom", html.toUri().toString()));
        assertTrue(dom.contains("<b data-figure=\"decisions\">7</b>"), dom);
        assertTrue(dom.contains("<b data-figure=\"decisions-needs_approval\">4</b>"), dom);
        assertTrue(dom.contains("<b data-figure=\"held\">4</b>"), dom);
        assertTrue(dom.contains("<b data-figure=\"expired\">1</b>"), dom);
        assertTrue(dom.contains("<b data-figure=\"self-approvals\">1</b>"), dom);
        assertTrue(dom.contains("<b data-figure=\"median\">3 min 0 s</b>"), dom);
        assertTrue(dom.contains("<b data-figure=\"p90\">15 min 0 s</b>"), dom);
        assertTrue(dom.contains("<span class=\"ok\">Intact</span>: 18 records"), dom);
        Matcher day = Pattern.compile("<tr data-day=\"2026-11-02\"><td>2026-11-02</td><td class=\"n\">(\\d+)</td><td class=\"n\">(\\d+)</td>"
                + "<td class=\"n\">(\\d+)</td></tr>").matcher(dom);
        assertTrue(day.find(), dom);
        assertEquals(List.of("1", "0", "2"), List.of(day.group(1), day.group(2), day.group(3)));
        assertTrue(dom.contains("<tr data-control=\"SOC2:CC6.2\">"), dom);
        assertTrue(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"), "the hostile comment is text in the DOM");
        assertFalse(dom.toLowerCase().contains("<script"), "the browser built no script element");
        assertTrue(Pattern.compile("<svg[^>]*aria-label=\"decisions per day\"").matcher(dom).find(), "the chart is in the DOM");
        assertTrue(Pattern.compile("<rect [^>]*fill=\"#ef6c00\"").matcher(dom).find(), "needs_approval bars are drawn");

        Path png = dir.resolve("report.png");
        chromium(List.of("--screenshot=" + png, "--window-size=1200,1600", html.toUri().toString()));
        byte[] image = Files.readAllBytes(png);
        assertTrue(image.length > 10_000, "a painted page, not a blank one: " + image.length + " bytes");
        assertEquals((byte) 0x89, image[0]);
        assertEquals('P', image[1]);
    }

    /** Runs headless Chromium with the network and its background services off; answers its standard output. */
    private String chromium(List<String> args) throws IOException, InterruptedException {
        String binary = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : "chromium";
        List<String> command = new java.util.ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("profile")));
        command.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(dir.resolve("chromium.err").toFile()).start();
        } catch (IOException e) {
            fail("headless Chromium is needed to render the report: install the Debian package chromium (apt-get install -y chromium)", e);
            throw e;
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 120 s");
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("chromium.err")));
        return new String(out, StandardCharsets.UTF_8);
    }
}
