package dev.countersign.pdp.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What audit.mask does, as data ({@code src/test/resources/masks/input_mask.yaml}): each case masks an
 * input, compares it with the wanted one, checks the original is untouched and that the subtrees named
 * shared are the very objects of the original.
 */
class InputMaskTest {
    private static final Path CASES = Path.of("src/test/resources/masks/input_mask.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec() throws Exception {
        return YAML.readValue(CASES.toFile(), Map.class);
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> masks() throws Exception {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) spec().get("cases");
        assertTrue(cases.size() >= 10, "the mask cases are missing");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("description"), () -> {
            Map<String, Object> input = (Map<String, Object>) c.get("input");
            Map<String, Object> before = YAML.convertValue(input, Map.class);
            Map<String, Object> masked = new InputMask((List<String>) c.get("masks")).apply(input);
            assertEquals(c.get("want"), masked);
            assertEquals(before, input, "the original input is not changed");
            for (String pointer : (List<String>) c.get("shared")) {
                assertSame(at(input, pointer), at(masked, pointer), pointer + " is shared, not copied");
            }
        }));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> invalidPointers() throws Exception {
        List<Map<String, String>> pointers = (List<Map<String, String>>) spec().get("invalid_pointers");
        return pointers.stream().map(p -> DynamicTest.dynamicTest("'" + p.get("pointer") + "'", () -> {
            String why = InputMask.invalidPointer(p.get("pointer"));
            assertNotNull(why, "refused");
            assertTrue(why.contains(p.get("message")), why);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new InputMask(List.of(p.get("pointer"))));
            assertTrue(e.getMessage().contains(why), e.getMessage());
        }));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> validPointers() throws Exception {
        return ((List<String>) spec().get("valid_pointers")).stream()
                .map(p -> DynamicTest.dynamicTest("'" + p + "'", () -> assertNull(InputMask.invalidPointer(p))));
    }

    /** The value at {@code pointer} (indexes only, no {@code -}), for checking what is shared. */
    private static Object at(Object tree, String pointer) {
        Object node = tree;
        if (pointer.isEmpty()) {
            return node;
        }
        for (String token : pointer.substring(1).split("/", -1)) {
            node = node instanceof Map<?, ?> m ? m.get(token) : ((List<?>) node).get(Integer.parseInt(token));
            assertNotNull(node, pointer + " is in the input");
        }
        return node;
    }
}
