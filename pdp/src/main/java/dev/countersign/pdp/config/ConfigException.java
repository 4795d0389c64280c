package dev.countersign.pdp.config;

/** A configuration that cannot be used; the message names the file, the key and the problem. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
