package dev.countersign.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock moved by an offset that a test changes, shared by the members it starts. */
public final class TestClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    /** Moves this clock (and every member that reads it) {@code by} forward. */
    public void advance(Duration by) {
        offsetMillis.addAndGet(by.toMillis());
    }

    /** Sets this clock {@code offset} away from the system clock. */
    public void set(Duration offset) {
        offsetMillis.set(offset.toMillis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }
}
