package dev.countersign.cluster.store;

import dev.countersign.cluster.SerializationFilter;
import dev.countersign.cluster.approval.PendingApproval;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;

/**
 * An approval as the store keeps it: its Java serialisation, sealed as it is in the cluster. Read
 * back through the cluster's deserialisation filter, so a row holding anything but the product's own
 * types is refused before it is instantiated; a row edited in the database still deserialises but
 * fails its seal where it is read, as tampered cluster state does.
 */
final class ApprovalBodies {
    private ApprovalBodies() {
    }

    static byte[] encode(PendingApproval approval) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(2048);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(approval);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The approval in {@code body}; null when it is no approval this product wrote (refused, not instantiated). */
    static PendingApproval decode(byte[] body) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(body))) {
            in.setObjectInputFilter(SerializationFilter.inputFilter());
            return in.readObject() instanceof PendingApproval a ? a : null;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            return null;
        }
    }
}
