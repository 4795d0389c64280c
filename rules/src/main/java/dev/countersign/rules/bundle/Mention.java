package dev.countersign.rules.bundle;

/**
 * A name written in a bundle file that must refer to something of the compiled bundle (a package, a
 * rule), with where it is written: {@code file}, 1-based {@code line} and {@code column} (0 when unknown).
 */
public record Mention(String name, String file, int line, int column) {
}
