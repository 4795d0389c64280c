package dev.countersign.rules.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.countersign.rules.Decision;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.model.ActionContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The text and JSON forms of explanations and of the coverage report, compared exactly with golden
 * files under {@code src/test/resources/golden/explain}: for each {@code NAME.input.json}, the
 * explanation of its decision by the bundle in {@code bundle/} is {@code NAME.txt} and
 * {@code NAME.json}; the coverage of that bundle's rule tests is {@code coverage.txt} and
 * {@code coverage.json}. The bundle has conditions that hold, fail, throw, and cannot be explained.
 * Run with {@code -Dgolden.update=true} to write the files anew (then read the diff).
 */
class ExplainGoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/explain");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private static CompiledPolicy policy;

    @BeforeAll
    static void compile() throws Exception {
        policy = PolicyCompiler.compile(BundleLoader.load(GOLDEN.resolve("bundle")));
    }

    @TestFactory
    Stream<DynamicTest> explanations() throws IOException {
        List<Path> inputs = new ArrayList<>();
        try (Stream<Path> files = Files.list(GOLDEN)) {
            files.filter(f -> f.getFileName().toString().endsWith(".input.json")).sorted().forEach(inputs::add);
        }
        assertFalse(inputs.isEmpty(), "no golden inputs under " + GOLDEN);
        return inputs.stream().map(input -> DynamicTest.dynamicTest(input.getFileName().toString(), () -> {
            String name = input.getFileName().toString().replace(".input.json", "");
            ActionContext context = new ActionContextReader().read(Files.readAllBytes(input));
            Decision decision = policy.evaluate(context, "");
            Explanation explanation = policy.explainer().explain(context, "", decision);
            compare(name + ".txt", ExplanationText.render(explanation));
            compare(name + ".json", pretty(g -> {
                g.writeStartObject();
                g.writeStringField("verdict", decision.verdict().wireName());
                g.writeFieldName("explanation");
                ExplanationJson.write(g, explanation);
                g.writeEndObject();
            }));
        }));
    }

    @Test
    void coverage() throws IOException {
        Coverage coverage = Coverage.measure(policy);
        compare("coverage.txt", coverage.text());
        compare("coverage.json", pretty(coverage::writeJson));
    }

    private static String pretty(Json.IoConsumer<com.fasterxml.jackson.core.JsonGenerator> body) {
        return new String(Json.write(g -> {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            body.accept(g);
        }), StandardCharsets.UTF_8) + "\n";
    }

    private static void compare(String file, String actual) throws IOException {
        Path golden = GOLDEN.resolve(file);
        if (UPDATE) {
            Files.writeString(golden, actual);
        }
        assertEquals(Files.exists(golden) ? Files.readString(golden) : "(no golden file " + golden + ")", actual, file);
    }
}
