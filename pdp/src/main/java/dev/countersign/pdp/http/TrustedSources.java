package dev.countersign.pdp.http;

import dev.countersign.pdp.config.Cidr;
import dev.countersign.pdp.config.TrustedSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The principals of {@code forward_auth.trusted_sources}, found by the address a gateway calls from:
 * the entry with the most specific block holding the address (entries never share a block). Each
 * entry is one {@link Caller}, built once, so every replica of a gateway calling from its block is
 * the same principal and shares one rate.
 */
final class TrustedSources {
    private record Entry(Cidr block, Caller caller) {
    }

    private final List<Entry> bySpecificity = new ArrayList<>();

    TrustedSources(List<TrustedSource> sources) {
        for (TrustedSource source : sources) {
            bySpecificity.add(new Entry(source.block(), Caller.of(source)));
        }
        bySpecificity.sort(Comparator.comparingInt((Entry e) -> e.block().prefix()).reversed());
    }

    /** The principal calling from {@code address} (a literal address, perhaps with an IPv6 zone), or null. */
    Caller callerAt(String address) {
        if (address == null || bySpecificity.isEmpty()) {
            return null;
        }
        int zone = address.indexOf('%');
        byte[] bytes = Cidr.address(zone < 0 ? address : address.substring(0, zone));
        for (Entry e : bySpecificity) {
            if (e.block().contains(bytes)) {
                return e.caller();
            }
        }
        return null;
    }
}
