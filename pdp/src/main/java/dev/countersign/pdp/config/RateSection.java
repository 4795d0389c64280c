package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/** {@code rate: {per_second: N, burst: M}} of a client or a trusted source; absent: unlimited. */
final class RateSection {
    private RateSection() {
    }

    /** The rate at {@code at} (for example {@code clients[0].rate}) in {@code parent}, or null when there is none. */
    static Rate read(Settings r, JsonNode parent, String at, String whose) throws ConfigException {
        JsonNode rate = parent.get("rate");
        if (rate == null || rate.isNull()) {
            return null;
        }
        if (!rate.isObject()) {
            throw r.error(at + " of " + whose + " must be a mapping such as {per_second: 100, burst: 200}, got " + rate);
        }
        r.keys(rate, at, Set.of("per_second", "burst"));
        if (rate.get("per_second") == null || rate.get("per_second").isNull()) {
            throw r.error(at + ".per_second of " + whose + " is required: the requests a second it may make on each node");
        }
        long perSecond = r.integer(rate, at + ".per_second", 0L);
        if (perSecond < 1 || perSecond > Rate.MAX_PER_SECOND) {
            throw r.error(at + ".per_second of " + whose + " must be 1 to " + Rate.MAX_PER_SECOND + ", got " + perSecond
                    + " (to leave it unlimited, give it no rate)");
        }
        long burst = r.integer(rate, at + ".burst", perSecond);
        if (burst < 1 || burst > Rate.MAX_BURST) {
            throw r.error(at + ".burst of " + whose + " must be 1 to " + Rate.MAX_BURST + ", got " + burst);
        }
        return new Rate(perSecond, burst);
    }
}
