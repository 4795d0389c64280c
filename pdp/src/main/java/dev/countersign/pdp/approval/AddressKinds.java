package dev.countersign.pdp.approval;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What kind of address a callback would go to: public, one of the kinds a callback reaches only when
 * the operator lists its host (loopback, private, link-local, shared, documentation, reserved…), or a
 * cloud metadata address, which a callback never reaches, listed or not.
 *
 * <p>Cloud metadata is the instance metadata and credential services of the clouds, judged by exact
 * address whatever range holds it: 169.254.169.254 (AWS, GCP, Azure, OpenStack and others), 169.254.170.2
 * and 169.254.170.23 (AWS container and pod credentials), 168.63.129.16 (Azure WireServer, in public
 * address space), 100.100.100.200 (Alibaba Cloud), 192.0.0.192 (Oracle Cloud Classic), fd00:ec2::254 and
 * fd00:ec2::23 (AWS over IPv6), fd20:ce::254 (GCP over IPv6); and the host names that reach them
 * ({@link #metadataHost}).
 *
 * <p>An IPv6 address that carries an IPv4 address is judged by the IPv4 address inside, where the
 * network delivers it: IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-compatible {@code ::a.b.c.d} (but not
 * {@code ::} or {@code ::1}), IPv4-translated (SIIT) {@code ::ffff:0:a.b.c.d}, NAT64
 * {@code 64:ff9b::a.b.c.d}, 6to4 {@code 2002:AABB:CCDD::/48} and Teredo {@code 2001:0::/32}, whose server
 * (bytes 4-7) and client (the last four bytes, each inverted) must both be public. The local-use NAT64
 * prefix {@code 64:ff9b:1::/48} is private. IPv6 outside global unicast ({@code 2000::/3}) is not public;
 * inside it, neither are the blocks the IANA special-purpose registry marks not globally reachable
 * (documentation, benchmarking, ORCHID, the rest of the IETF protocol assignments {@code 2001::/23}).
 */
final class AddressKinds {
    /**
     * A non-public address: {@code phrase} names it, article included ("a loopback address", "a 6to4
     * address embedding 127.0.0.1, a loopback address"); {@code cloudMetadata} says it is, or carries, a
     * cloud metadata address.
     */
    record Kind(String phrase, boolean cloudMetadata) {
    }

    private static final HexFormat HEX = HexFormat.of();

    /** Cloud metadata addresses (hex of their bytes) and whose they are. */
    private static final Map<String, String> METADATA_ADDRESSES = Map.of(
            hex("169.254.169.254"), "AWS, GCP, Azure, OpenStack and others",
            hex("169.254.170.2"), "AWS ECS task credentials",
            hex("169.254.170.23"), "AWS EKS Pod Identity",
            hex("168.63.129.16"), "Azure WireServer",
            hex("100.100.100.200"), "Alibaba Cloud",
            hex("192.0.0.192"), "Oracle Cloud Classic",
            hex("fd00:ec2::254"), "AWS, over IPv6",
            hex("fd00:ec2::23"), "AWS EKS Pod Identity, over IPv6",
            hex("fd20:ce::254"), "GCP, over IPv6");

    /** Host names of cloud metadata services; the single labels resolve through the instance's search domain. */
    private static final Map<String, String> METADATA_HOSTS = Map.of(
            "metadata.google.internal", "GCP",
            "metadata.goog", "GCP",
            "metadata", "GCP",
            "instance-data", "AWS",
            "instance-data.ec2.internal", "AWS");

    private static final Block IPV4_LINK_LOCAL = Block.of("169.254.0.0/16", "a link-local address");

    /** Non-public IPv4 blocks, the first that holds an address naming it. */
    private static final List<Block> IPV4 = List.of(
            Block.of("0.0.0.0/32", "a wildcard address"),
            Block.of("0.0.0.0/8", "a reserved address"),
            Block.of("10.0.0.0/8", "a private address"),
            Block.of("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
            Block.of("127.0.0.0/8", "a loopback address"),
            IPV4_LINK_LOCAL,
            Block.of("172.16.0.0/12", "a private address"),
            Block.of("192.0.0.0/24", "a reserved address"),
            Block.of("192.0.2.0/24", "a documentation address"),
            Block.of("192.168.0.0/16", "a private address"),
            Block.of("198.18.0.0/15", "a benchmarking address"),
            Block.of("198.51.100.0/24", "a documentation address"),
            Block.of("203.0.113.0/24", "a documentation address"),
            Block.of("224.0.0.0/4", "a multicast address"),
            Block.of("240.0.0.0/4", "a reserved address"));

    /**
     * IPv6 blocks, the first that holds an address naming it; a block without a phrase is globally
     * reachable although a wider block after it is not. Embedded IPv4 is judged before these.
     */
    private static final List<Block> IPV6 = List.of(
            Block.of("::/128", "a wildcard address"),
            Block.of("::1/128", "a loopback address"),
            Block.of("64:ff9b:1::/48", "a private (local-use NAT64) address"),
            Block.of("fc00::/7", "a private (unique local) address"),
            Block.of("fe80::/10", "a link-local address"),
            Block.of("fec0::/10", "a private (site-local) address"),
            Block.of("ff00::/8", "a multicast address"),
            Block.of("2001:db8::/32", "a documentation address"),
            Block.of("3fff::/20", "a documentation address"),
            Block.of("2001:2::/48", "a benchmarking address"),
            Block.of("2001:10::/28", "an ORCHID (non-routable identifier) address"),
            Block.of("2001:1::1/128", null),      // PCP anycast
            Block.of("2001:1::2/128", null),      // TURN anycast
            Block.of("2001:1::3/128", null),      // DNS-SD service registration anycast
            Block.of("2001:3::/32", null),        // AMT
            Block.of("2001:4:112::/48", null),    // AS112
            Block.of("2001:20::/28", null),       // ORCHIDv2
            Block.of("2001:30::/28", null),       // drone remote ID entity tags
            Block.of("2001::/23", "a reserved address (IETF protocol assignments, 2001::/23)"));

    private AddressKinds() {
    }

    /** The kind of {@code address}; null when it is public. */
    static Kind of(InetAddress address) {
        return classify(address.getAddress());
    }

    /** Whose cloud metadata service {@code host} (lower case) names, such as "GCP"; null when none. */
    static String metadataHost(String host) {
        return METADATA_HOSTS.get(host.toLowerCase(Locale.ROOT));
    }

    private static Kind classify(byte[] a) {
        String provider = METADATA_ADDRESSES.get(HEX.formatHex(a));
        if (provider != null) {
            return new Kind("a cloud metadata address (" + provider + ")", true);
        }
        List<Block> blocks = IPV4;
        if (a.length == 16) {
            List<Embedded> inside = embedded(a);
            if (!inside.isEmpty()) {
                return judgeEmbedded(inside);
            }
            blocks = IPV6;
        }
        for (Block b : blocks) {
            if (b.contains(a)) {
                // All of IPv4 link-local is where clouds serve metadata and credentials (AWS DNS and time,
                // Tencent, Scaleway…): never reached, listed or not.
                return b.phrase() == null ? null : new Kind(b == IPV4_LINK_LOCAL
                        ? b.phrase() + " (169.254.0.0/16, where clouds serve instance metadata and credentials)" : b.phrase(),
                        b == IPV4_LINK_LOCAL);
            }
        }
        if (a.length == 16 && (a[0] & 0xe0) != 0x20) {
            return new Kind("a reserved address (outside IPv6 global unicast, 2000::/3)", false);
        }
        return null;
    }

    /** The kind of an IPv6 address by the IPv4 addresses it carries: metadata first, then the first not public. */
    private static Kind judgeEmbedded(List<Embedded> inside) {
        Kind found = null;
        for (Embedded e : inside) {
            Kind k = classify(e.ipv4());
            if (k != null && (found == null || k.cloudMetadata() && !found.cloudMetadata())) {
                found = new Kind(e.how() + dotted(e.ipv4()) + ", " + k.phrase(), k.cloudMetadata());
            }
        }
        return found;
    }

    /** An IPv4 address carried in an IPv6 one; {@code how} leads to it ("a 6to4 address embedding "). */
    private record Embedded(String how, byte[] ipv4) {
    }

    /** The IPv4 addresses {@code a} carries; empty when it carries none. */
    private static List<Embedded> embedded(byte[] a) {
        List<Embedded> found = new ArrayList<>();
        if (zero(a, 0, 10) && ff(a, 10) && ff(a, 11)) {
            found.add(new Embedded("an IPv4-mapped address embedding ", slice(a, 12)));
        } else if (zero(a, 0, 8) && ff(a, 8) && ff(a, 9) && zero(a, 10, 12)) {
            found.add(new Embedded("an IPv4-translated (SIIT) address embedding ", slice(a, 12)));
        } else if (zero(a, 0, 12) && !(zero(a, 12, 15) && (a[15] == 0 || a[15] == 1))) {
            found.add(new Embedded("an IPv4-compatible address embedding ", slice(a, 12)));
        } else if (a[0] == 0 && a[1] == 0x64 && ff(a, 2) && (a[3] & 0xff) == 0x9b && zero(a, 4, 12)) {
            found.add(new Embedded("a NAT64 address embedding ", slice(a, 12)));
        } else if (a[0] == 0x20 && a[1] == 0x02) {
            found.add(new Embedded("a 6to4 address embedding ", slice(a, 2)));
        } else if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) {
            found.add(new Embedded("a Teredo address whose server is ", slice(a, 4)));
            byte[] client = slice(a, 12);
            for (int i = 0; i < 4; i++) {
                client[i] = (byte) ~client[i];
            }
            found.add(new Embedded("a Teredo address whose client is ", client));
        }
        return found;
    }

    private static boolean zero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean ff(byte[] a, int i) {
        return (a[i] & 0xff) == 0xff;
    }

    private static byte[] slice(byte[] a, int from) {
        return new byte[] {a[from], a[from + 1], a[from + 2], a[from + 3]};
    }

    private static String dotted(byte[] v4) {
        return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
    }

    /** The bytes of an address literal in hex; the literal is never looked up in DNS. */
    private static String hex(String literal) {
        return HEX.formatHex(bytes(literal));
    }

    private static byte[] bytes(String literal) {
        try {
            return InetAddress.getByName(literal.indexOf(':') >= 0 ? "[" + literal + "]" : literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal + " is not an address literal", e);
        }
    }

    /** An address block; {@code phrase} names its addresses, null when they are public. */
    private record Block(byte[] prefix, int bits, String phrase) {
        static Block of(String cidr, String phrase) {
            int slash = cidr.indexOf('/');
            return new Block(bytes(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)), phrase);
        }

        boolean contains(byte[] a) {
            if (a.length != prefix.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (prefix[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
