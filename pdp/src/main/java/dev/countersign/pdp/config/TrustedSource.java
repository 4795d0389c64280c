package dev.countersign.pdp.config;

/**
 * An entry of {@code forward_auth.trusted_sources}: gateways calling from {@code block} are one
 * principal, {@code name}, whichever replica of them calls (so an approval asked for through one
 * replica is redeemed through another), optionally limited to {@code rate} (null: unlimited).
 */
public record TrustedSource(String name, Cidr block, Rate rate) {
    /** The principal a bare block such as {@code "10.0.0.0/8"} is: {@code trusted:10.0.0.0/8}. */
    public static final String BARE_PREFIX = "trusted:";

    public TrustedSource {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a trusted source needs a name");
        }
        if (block == null) {
            throw new IllegalArgumentException("trusted source " + name + " needs an address block");
        }
    }

    /** A bare entry: the block as written, named {@code trusted:<block>}, unlimited. */
    public static TrustedSource bare(String block) {
        Cidr cidr = Cidr.parse(block);
        if (cidr == null) {
            throw new IllegalArgumentException("\"" + block + "\" is not an address or CIDR block");
        }
        return new TrustedSource(BARE_PREFIX + block.trim(), cidr, null);
    }
}
