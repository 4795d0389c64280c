package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spelling of a forwarded path, and which X-Forwarded-For entry is the client. */
class ForwardedRequestTest {
    static final Path PATH_CASES = Path.of("src/test/resources/cases/forwarded_paths.yaml");

    /** One case of {@code cases/forwarded_paths.yaml}: the path rules see, or words of the refusal. */
    record PathCase(String description, String raw, String path, String refused) {
    }

    @SuppressWarnings("unchecked")
    static List<PathCase> pathCases() throws IOException {
        List<Map<String, String>> cases = new YAMLMapper().readValue(PATH_CASES.toFile(), List.class);
        return cases.stream().map(c -> new PathCase(c.get("description"), c.get("raw"), c.get("path"), c.get("refused"))).toList();
    }

    @TestFactory
    Stream<DynamicTest> pathsHaveOneSpellingOrAreRefused() throws IOException {
        return pathCases().stream().map(c -> DynamicTest.dynamicTest(c.description() + ": [" + c.raw() + "]", () -> {
            if (c.refused() == null) {
                assertEquals(c.path(), HttpPaths.normalize(c.raw()));
            } else {
                HttpPaths.Refused refused = assertThrows(HttpPaths.Refused.class, () -> HttpPaths.normalize(c.raw()));
                assertTrue(refused.getMessage().contains(c.refused()), refused.getMessage());
            }
        }));
    }

    /** Copies of the header are separated by {@code ~} in the first column. */
    @ParameterizedTest(name = "[{0}] with {1} trusted hop(s) -> {2}")
    @CsvSource(delimiter = '|', value = {
            "203.0.113.9                              | 1 | 203.0.113.9",
            "198.51.100.66, 203.0.113.9               | 1 | 203.0.113.9",
            "198.51.100.66, 203.0.113.9, 10.0.0.1     | 2 | 203.0.113.9",
            "203.0.113.9                              | 3 | 203.0.113.9",
            "' '                                      | 1 | ",
            "198.51.100.66 ~ 203.0.113.9              | 1 | 203.0.113.9",
            "198.51.100.66, 203.0.113.9 ~ 10.0.0.1    | 2 | 203.0.113.9",
            "198.51.100.66 ~ 203.0.113.9, 10.0.0.1    | 2 | 203.0.113.9",
            "198.51.100.66 ~ 203.0.113.9 ~ 10.0.0.1   | 3 | 198.51.100.66",
            "198.51.100.66 ~ ' '                      | 1 | 198.51.100.66",
            "198.51.100.66,, 203.0.113.9              | 2 | 198.51.100.66",
    })
    void theClientIsTheEntryTheTrustedProxiesWroteAcrossCopies(String copies, int hops, String client) {
        List<String> headers = Arrays.stream(copies.split("~")).map(s -> s.replace("'", "")).toList();
        assertEquals(client, OriginalRequest.clientAddress(headers, hops));
    }
}
