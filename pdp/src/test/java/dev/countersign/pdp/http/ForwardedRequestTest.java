package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spelling of a forwarded path, and which X-Forwarded-For entry is the client. */
class ForwardedRequestTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/admin            | /admin",
            "/%61dmin          | /admin",
            "/%41DMIN          | /ADMIN",
            "//admin           | /admin",
            "/x/../admin       | /admin",
            "/./admin/.        | /admin",
            "/admin/           | /admin/",
            "/a%2fb            | /a%2Fb",
            "/a%2Fb/../c       | /c",
            "/caf%c3%a9        | /caf%C3%A9",
            "/../../etc        | /etc",
            "''                | /",
            "/%7euser          | /~user",
            "/%                | /%",
    })
    void pathsHaveOneSpelling(String raw, String normalized) {
        assertEquals(normalized, HttpPaths.normalize(raw));
    }

    @ParameterizedTest(name = "{0} with {1} trusted hop(s) -> {2}")
    @CsvSource(delimiter = '|', value = {
            "203.0.113.9                          | 1 | 203.0.113.9",
            "198.51.100.66, 203.0.113.9           | 1 | 203.0.113.9",
            "198.51.100.66, 203.0.113.9, 10.0.0.1 | 2 | 203.0.113.9",
            "203.0.113.9                          | 3 | 203.0.113.9",
            "' '                                  | 1 | ",
    })
    void theClientIsTheEntryTheTrustedProxiesWrote(String header, int hops, String client) {
        assertEquals(client, ForwardAuthHandler.clientAddress(header, hops));
    }
}
