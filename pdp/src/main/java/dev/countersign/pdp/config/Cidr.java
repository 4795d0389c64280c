package dev.countersign.pdp.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a block of one. */
public final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    public static boolean isValid(String text) {
        return parse(text) != null;
    }

    /** The block, or null when {@code text} is not one. Never resolves host names. */
    public static Cidr parse(String text) {
        String[] parts = text.trim().split("/", 2);
        if (!parts[0].matches("[0-9a-fA-F:.]+")) {
            return null;
        }
        try {
            byte[] address = InetAddress.getByName(parts[0]).getAddress();
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
            if (prefix < 0 || prefix > address.length * 8) {
                return null;
            }
            return new Cidr(address, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
    }

    /** Whether {@code address} (a literal address, never a name) is in this block. */
    public boolean contains(String address) {
        if (address == null || !address.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        byte[] a;
        try {
            a = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            return false;
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest);
        return (a[full] & mask) == (network[full] & mask);
    }
}
