package dev.countersign.pdp.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a block of one.
 * Only literal addresses are read: IPv4 as four decimal parts (so {@code 10.1} or {@code 167772161},
 * which the platform would take for {@code 10.0.0.1}, are refused), IPv6 in any RFC 4291 form. Host
 * names are never resolved.
 */
public final class Cidr {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** The block, or null when {@code text} is not one (see {@link #problem}). */
    public static Cidr parse(String text) {
        return problem(text) == null ? read(text) : null;
    }

    /**
     * What is wrong with {@code text} as a block, or null when nothing is: not an address, a prefix
     * longer than the address, or bits set past the prefix ({@code 10.0.0.1/8} is refused: was
     * {@code 10.0.0.0/8} meant, or the one address {@code 10.0.0.1}?).
     */
    public static String problem(String text) {
        if (text == null) {
            return "no address block is given";
        }
        String[] parts = text.trim().split("/", -1);
        byte[] address = address(parts[0]);
        if (address == null || parts.length > 2) {
            return "\"" + text + "\" is not an address or CIDR block such as 10.0.0.0/8";
        }
        int bits = address.length * 8;
        if (parts.length == 2 && (!PREFIX.matcher(parts[1]).matches() || Integer.parseInt(parts[1]) > bits)) {
            return "\"" + text + "\" has the prefix /" + parts[1] + "; an " + (bits == 32 ? "IPv4" : "IPv6")
                    + " block's prefix is 0 to " + bits;
        }
        int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
        Cidr block = new Cidr(masked(address, prefix), prefix);
        if (!Arrays.equals(block.network, address)) {
            return "\"" + text + "\" has address bits set past its /" + prefix + " prefix: the block is " + block
                    + ", the one address is " + parts[0] + (bits == 32 ? "/32" : "/128");
        }
        return null;
    }

    private static Cidr read(String text) {
        String[] parts = text.trim().split("/", -1);
        byte[] address = address(parts[0]);
        return new Cidr(address, parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8);
    }

    /** The bytes of a literal IPv4 or IPv6 address (4 or 16), or null when {@code text} is not one. */
    public static byte[] address(String text) {
        if (text == null) {
            return null;
        }
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !IPV6.matcher(text).matches()) {
            return null;
        }
        try {
            // Literals only (checked above), so this never looks a name up.
            return InetAddress.getByName(v4 ? text : "[" + text + "]").getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] masked(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }

    /** The length of the prefix, in bits: the larger, the more specific the block. */
    public int prefix() {
        return prefix;
    }

    /** Whether {@code address} (a literal address, never a name) is in this block. */
    public boolean contains(String address) {
        return contains(address(address));
    }

    /** Whether the address of these bytes (4 or 16; null for none) is in this block. */
    public boolean contains(byte[] address) {
        if (address == null || address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest);
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && prefix == other.prefix && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    /** The block in its usual spelling, e.g. {@code 10.0.0.0/8} or {@code fd00:0:0:0:0:0:0:0/8}. */
    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a block holds 4 or 16 bytes", e);
        }
    }
}
