/*
 * The three ways rank 0's unique id reaches the others, without NCCL: over a group (two threads as
 * ranks, the 128 bytes bit for bit whatever floats they spell), over TCP, and NCCL_COMM_ID's, where
 * every rank makes its own.
 */
package io.tessera.gpu.nccl;

import io.tessera.tensor.dist.IdRendezvous;
import io.tessera.tensor.dist.InProcessGroup;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BootstrapTest {
    private static final Duration T = Duration.ofSeconds(20);

    /** 128 bytes including float NaN patterns, signalling NaNs and negative zeros, which a broadcast must not alter. */
    private static byte[] awkwardId() {
        byte[] id = new byte[128];
        for (int i = 0; i < 128; i++) id[i] = (byte) (i * 37 + 11);
        int[] patterns = {0x7fa00001, 0xffc00000, 0x80000000, 0x7f800001};
        for (int k = 0; k < patterns.length; k++) {
            for (int b = 0; b < 4; b++) id[4 * k + b] = (byte) (patterns[k] >>> (8 * b));
        }
        return id;
    }

    @Test
    void overAGroupEveryRankGetsRankZerosBytesBitForBit() throws Exception {
        byte[] id = awkwardId();
        AtomicInteger made = new AtomicInteger();
        List<byte[]> got = InProcessGroup.run(3, g -> Bootstrap.over(g).share(g.rank(), g.worldSize(), () -> {
            made.incrementAndGet();
            return id.clone();
        }, T));
        assertThat(got).allSatisfy(b -> assertThat(b).isEqualTo(id));
        assertThat(made.get()).as("only rank 0 makes the id").isEqualTo(1);
    }

    @Test
    void aGroupOfOtherRanksIsRefused() throws Exception {
        List<String> errors = InProcessGroup.run(2, g -> {
            try {
                Bootstrap.over(g).share(g.rank(), 4, () -> new byte[128], T);
                return "";
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        assertThat(errors.get(1)).isEqualTo("the bootstrap group is rank 1 of 2, the NCCL communicator rank 1 of 4; they must be the same processes");
    }

    @Test
    void overTcpEveryRankGetsRankZerosBytes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Bootstrap b = Bootstrap.tcp(new IdRendezvous.Endpoint("127.0.0.1", port, "test"));
        byte[] id = awkwardId();
        List<CompletableFuture<byte[]>> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int rank = r;
            ranks.add(CompletableFuture.supplyAsync(() -> b.share(rank, 2, () -> id, T), Thread::startVirtualThread));
        }
        for (CompletableFuture<byte[]> f : ranks) assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(id);
        assertThat(b).hasToString("TCP rendezvous at 127.0.0.1:" + port + " (test)");
    }

    @Test
    void withNcclCommIdEveryRankMakesItsOwn() {
        AtomicInteger made = new AtomicInteger();
        Bootstrap b = Bootstrap.commIdVariable();
        for (int r = 0; r < 3; r++) b.share(r, 3, () -> new byte[made.incrementAndGet()], T);
        assertThat(made.get()).isEqualTo(3);
        assertThatThrownBy(() -> Bootstrap.tcp(new IdRendezvous.Endpoint("h", 0, ""))).isInstanceOf(IllegalArgumentException.class);
    }
}
