package dev.countersign.connectors.teams;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock moved by what a test adds: token times, key ages and the refetch limit read it. */
final class MovableClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    MovableClock advance(Duration by) {
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
