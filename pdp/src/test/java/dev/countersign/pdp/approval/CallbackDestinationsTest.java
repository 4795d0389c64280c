package dev.countersign.pdp.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Where callbacks may go, as data ({@code src/test/resources/callbacks/destinations.yaml}): each
 * case is checked on arrival and, when it passes, on sending, against a fixed DNS table.
 */
class CallbackDestinationsTest {
    private static final Path CASES = Path.of("src/test/resources/callbacks/destinations.yaml");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readValue(CASES.toFile(), Map.class);
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> destinations() throws Exception {
        Map<String, Object> spec = spec();
        Map<String, List<String>> dns = (Map<String, List<String>>) spec.get("dns");
        CallbackDestinations.Resolver resolver = host -> {
            List<String> addresses = dns.get(host);
            if (addresses == null) {
                throw new UnknownHostException(host);
            }
            List<InetAddress> resolved = new ArrayList<>();
            for (String a : addresses) {
                resolved.add(InetAddress.getByName(a));
            }
            return resolved.toArray(new InetAddress[0]);
        };
        List<Map<String, Object>> cases = (List<Map<String, Object>>) spec.get("cases");
        assertTrue(cases.size() >= 40, "the destination cases are missing");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getOrDefault("allowed", List.of()) + " " + c.get("url"), () -> {
            CallbackDestinations destinations = new CallbackDestinations((List<String>) c.getOrDefault("allowed", List.of()), resolver);
            String url = (String) c.get("url");
            String onArrival = destinations.refusal(url);
            if (c.containsKey("refused_on_arrival")) {
                assertNotNull(onArrival, "refused on arrival");
                assertTrue(onArrival.contains((String) c.get("refused_on_arrival")), onArrival);
                CallbackDestinations.Refused atSend = assertThrows(CallbackDestinations.Refused.class, () -> destinations.resolve(url),
                        "what is refused on arrival is refused on sending too");
                assertEquals(onArrival, atSend.getMessage());
                return;
            }
            assertNull(onArrival, "allowed on arrival");
            if (c.containsKey("refused_on_send")) {
                CallbackDestinations.Refused refused = assertThrows(CallbackDestinations.Refused.class, () -> destinations.resolve(url));
                assertTrue(refused.getMessage().contains((String) c.get("refused_on_send")), refused.getMessage());
            } else if (Boolean.TRUE.equals(c.get("unresolved"))) {
                assertThrows(UnknownHostException.class, () -> destinations.resolve(url));
            } else {
                assertEquals(InetAddress.getByName((String) c.get("connects_to")), destinations.resolve(url));
            }
        }));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> invalidEntries() throws Exception {
        List<Map<String, String>> entries = (List<Map<String, String>>) spec().get("invalid_entries");
        return entries.stream().map(e -> DynamicTest.dynamicTest("'" + e.get("entry") + "'", () -> {
            String why = CallbackDestinations.invalidEntry(e.get("entry"));
            assertNotNull(why, "refused");
            assertTrue(why.contains(e.get("message")), why);
        }));
    }

    @Test
    void aLoggedUrlKeepsOnlyWhereItGoes() {
        assertEquals("https://hooks.example.com/…", CallbackDestinations.redact("https://hooks.example.com/T000/B000/secret-token?x=1"));
        assertEquals("http://10.0.0.7:8443/", CallbackDestinations.redact("http://10.0.0.7:8443/"));
        assertEquals("https://hooks.example.com/", CallbackDestinations.redact("https://hooks.example.com"));
        assertEquals("(an invalid URL)", CallbackDestinations.redact("not a url"));
    }
}
