package dev.countersign.rules.bundle;

import java.nio.charset.StandardCharsets;

/** One file of a bundle: its path relative to the bundle root ('/'-separated) and its bytes. */
public record SourceFile(String path, byte[] content) {
    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    /** The folder part of the path, '' at the root. */
    public String folder() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** The file name without its folder. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
