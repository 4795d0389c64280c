package dev.countersign.pdp.audit;

import java.io.OutputStream;
import java.util.Arrays;

/** A growable byte array that collects whole lines for one write call. Not thread-safe. */
final class LineBuffer extends OutputStream {
    private byte[] bytes;
    private int length;

    LineBuffer(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[length++] = (byte) b;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, length, len);
        length += len;
    }

    /** Appends the decimal digits of a non-negative number. */
    void writeDecimal(long value) {
        if (value < 10) {
            write('0' + (int) value);
            return;
        }
        int digits = 1;
        for (long v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
    }

    byte[] array() {
        return bytes;
    }

    int length() {
        return length;
    }

    /** Drops everything from {@code newLength} on. */
    void truncate(int newLength) {
        length = newLength;
    }

    void reset() {
        length = 0;
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(length + more, bytes.length * 2));
        }
    }
}
