package dev.countersign.connectors;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock moved forward by what a test adds, for code that times things by an injected clock (tokens, keys, a node's member). */
public final class MovableClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    public MovableClock advance(Duration by) {
        offsetMillis.addAndGet(by.toMillis());
        return this;
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
