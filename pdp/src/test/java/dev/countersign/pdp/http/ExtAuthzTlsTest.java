package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.rpc.Code;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ext_authz over TLS from a certificate and key file (a self-signed pair for localhost and
 * 127.0.0.1 in the test resources): a client trusting the certificate is answered, a plain-text
 * client is not.
 */
class ExtAuthzTlsTest {
    static final Path CERT = Path.of("src/test/resources/tls/cert.pem");
    static final Path KEY = Path.of("src/test/resources/tls/key.pem");

    @TempDir
    Path dir;

    @Test
    void checksAreServedOverTls() throws Exception {
        ServerConfig config = TestNode.config(dir, ForwardAuthTest.GATEWAY, List.of(), List.of())
                .withExtAuthz(new ServerConfig.ExtAuthz("127.0.0.1", 0, CERT, KEY));
        try (TestNode node = TestNode.start(config)) {
            int port = node.server.extAuthzPort();
            ManagedChannel tls = NettyChannelBuilder.forAddress("127.0.0.1", port,
                    TlsChannelCredentials.newBuilder().trustManager(CERT.toFile()).build()).build();
            ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            try {
                CheckResponse allowed = AuthorizationGrpc.newBlockingStub(tls).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .check(ExtAuthzTest.request("GET", "/products"));
                assertEquals(Code.OK_VALUE, allowed.getStatus().getCode(), allowed.toString());
                assertThrows(StatusRuntimeException.class, () -> AuthorizationGrpc.newBlockingStub(plain)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).check(ExtAuthzTest.request("GET", "/products")));
            } finally {
                tls.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                plain.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }
}
