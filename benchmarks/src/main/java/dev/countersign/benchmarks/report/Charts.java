package dev.countersign.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.benchmarks.report.RunDirectory.Paced;
import dev.countersign.benchmarks.report.RunDirectory.Throughput;
import dev.countersign.benchmarks.report.Targets.Target;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The suite's PNG plots, drawn with XChart (run with {@code -Djava.awt.headless=true}): throughput vs
 * rules (JMH), latency percentiles vs offered load per server and for all servers, the HTTP
 * throughput of each target, and Countersign's ratio to each peer beside its target. A plot whose
 * data did not run is not written; {@link #write} answers the files it wrote.
 */
final class Charts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    private Charts() {
    }

    static List<Path> write(Path out, String subtitle, List<Throughput> throughput, List<Paced> paced, JsonNode jmh,
                            List<Target> targets) throws IOException {
        List<Path> written = new ArrayList<>();
        throughputVsRules(out, subtitle, jmh, written);
        latencyVsLoad(out, subtitle, paced, written);
        httpThroughput(out, subtitle, throughput, written);
        peers(out, subtitle, targets, written);
        return written;
    }

    private static void throughputVsRules(Path out, String subtitle, JsonNode jmh, List<Path> written) throws IOException {
        TreeMap<String, TreeMap<Integer, Double>> byTraffic = new TreeMap<>();
        if (jmh.isArray()) {
            for (JsonNode r : jmh) {
                JsonNode p = r.path("params");
                if (r.path("benchmark").asText().endsWith("GeneratedBundleBenchmark.evaluate") && "off".equals(p.path("cache").asText())) {
                    byTraffic.computeIfAbsent(p.path("traffic").asText(), t -> new TreeMap<>())
                            .put(p.path("rules").asInt(), r.path("primaryMetric").path("score").asDouble());
                }
            }
        }
        if (byTraffic.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Engine throughput vs rules (one thread, cache off) — " + subtitle)
                .xAxisTitle("rules in the bundle").yAxisTitle("decisions per second").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisMin(0.0).setLegendPosition(LegendPosition.InsideSE);
        byTraffic.forEach((traffic, points) -> {
            XYSeries s = chart.addSeries("traffic=" + traffic, points.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                    points.values().stream().mapToDouble(Double::doubleValue).toArray());
            s.setMarker(SeriesMarkers.CIRCLE);
        });
        save(chart, out.resolve("throughput-vs-rules.png"), written);
    }

    private static void latencyVsLoad(Path out, String subtitle, List<Paced> paced, List<Path> written) throws IOException {
        if (paced.isEmpty()) {
            return;
        }
        List<String> servers = paced.stream().map(Paced::server).distinct().toList();
        XYChart all = latencyChart("Paced latency: p50 (dashed) and p99 vs offered load — " + subtitle);
        Color[] palette = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
        for (String server : servers) {
            Color color = palette[servers.indexOf(server) % palette.length];
            List<Paced> rows = paced.stream().filter(p -> p.server().equals(server)).toList();
            XYSeries p99 = all.addSeries(server + " p99", levels(rows), values(rows, Paced::p99));
            p99.setMarker(SeriesMarkers.CIRCLE);
            p99.setLineColor(color);
            p99.setMarkerColor(color);
            XYSeries p50 = all.addSeries(server + " p50", levels(rows), values(rows, Paced::p50));
            p50.setMarker(SeriesMarkers.DIAMOND);
            p50.setLineStyle(SeriesLines.DASH_DASH);
            p50.setLineColor(color);
            p50.setMarkerColor(color);
            XYChart one = latencyChart("Paced latency of " + server + " vs offered load — " + subtitle);
            one.addSeries("p50", levels(rows), values(rows, Paced::p50)).setMarker(SeriesMarkers.CIRCLE);
            one.addSeries("p90", levels(rows), values(rows, Paced::p90)).setMarker(SeriesMarkers.CIRCLE);
            one.addSeries("p99", levels(rows), values(rows, Paced::p99)).setMarker(SeriesMarkers.CIRCLE);
            one.addSeries("p99.9", levels(rows), values(rows, Paced::p999)).setMarker(SeriesMarkers.CIRCLE);
            save(one, out.resolve("latency-" + server + ".png"), written);
        }
        save(all, out.resolve("latency-vs-load.png"), written);
    }

    private static XYChart latencyChart(String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("offered load, % of the server's own max req/s").yAxisTitle("latency, ms (log)").build();
        chart.getStyler().setYAxisLogarithmic(true).setLegendPosition(LegendPosition.OutsideE);
        return chart;
    }

    private static void httpThroughput(Path out, String subtitle, List<Throughput> rows, List<Path> written) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("HTTP throughput, wrk -t1 -c32 — " + subtitle)
                .xAxisTitle("server and path").yAxisTitle("requests per second").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(20);
        chart.addSeries("req/s", rows.stream().map(Throughput::target).toList(), rows.stream().map(r -> (Number) r.rps()).toList());
        save(chart, out.resolve("http-throughput.png"), written);
    }

    private static void peers(Path out, String subtitle, List<Target> targets, List<Path> written) throws IOException {
        List<String> names = new ArrayList<>();
        List<Number> measured = new ArrayList<>();
        List<Number> wanted = new ArrayList<>();
        String[][] peers = {{"http.vs_cerbos", "Cerbos (HTTP)"}, {"engine.vs_opa_wasm", "OPA Wasm"},
                {"engine.json_vs_opa_wasm", "OPA Wasm (JSON in/out)"}, {"engine.vs_authzforce", "AuthzForce CE"},
                {"engine.vs_jcasbin", "jCasbin"}};
        for (String[] peer : peers) {
            targets.stream().filter(t -> t.id().equals(peer[0]) && t.measured() != null).findFirst().ifPresent(t -> {
                names.add(peer[1]);
                measured.add(t.measured());
                wanted.add(t.threshold());
            });
        }
        if (names.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Countersign ÷ peer, same run — " + subtitle)
                .xAxisTitle("peer").yAxisTitle("Countersign's throughput ÷ the peer's").build();
        chart.getStyler().setLegendPosition(LegendPosition.InsideNE);
        chart.addSeries("measured", names, measured);
        chart.addSeries("target", names, wanted);
        save(chart, out.resolve("peers-ratios.png"), written);
    }

    private static double[] levels(List<Paced> rows) {
        return rows.stream().mapToDouble(Paced::level).toArray();
    }

    private static double[] values(List<Paced> rows, ToDoubleFunction<Paced> f) {
        // A log axis cannot show 0: a latency under the log's resolution (1 µs) is drawn at 1 µs.
        return rows.stream().mapToDouble(f).map(v -> Math.max(v, 0.001)).toArray();
    }

    private static void save(Chart<?, ?> chart, Path file, List<Path> written) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapFormat.PNG);
        written.add(file);
    }
}
