/*
 * The TCP exchange of NCCL's unique id, on the loopback interface: 2 to 4 ranks as threads (rank 0
 * first or last), two child JVMs, and every refusal in one line: the port in use, a rank or rank 0
 * that never comes, a peer that speaks something else, short or wrongly sized answers, a rank that
 * disagrees on the world size or joins twice; torchrun's port rule.
 */
package io.tessera.tensor.dist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdRendezvousTest {
    private static final Duration LONG = Duration.ofSeconds(20);

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static IdRendezvous.Endpoint local(int port) {
        return new IdRendezvous.Endpoint("127.0.0.1", port, "MASTER_ADDR:MASTER_PORT");
    }

    private static byte[] id(long seed) {
        byte[] b = new byte[128];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Each rank in its own thread, rank 0 started after {@code rootDelayMs}; returns what each rank got, in rank order. */
    private static List<byte[]> runRanks(int world, byte[] id, long rootDelayMs, Duration timeout) throws Exception {
        IdRendezvous.Endpoint e = local(freePort());
        List<CompletableFuture<byte[]>> ranks = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            int rank = r;
            ranks.add(CompletableFuture.supplyAsync(() -> {
                if (rank == 0) pause(rootDelayMs);
                return IdRendezvous.share(e, rank, world, rank == 0 ? id : null, id.length, timeout);
            }, Thread::startVirtualThread));
        }
        List<byte[]> out = new ArrayList<>();
        for (CompletableFuture<byte[]> f : ranks) out.add(f.get(30, TimeUnit.SECONDS));
        return out;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void twoThreeAndFourRanksAllReceiveRankZerosBytes() throws Exception {
        for (int world = 2; world <= 4; world++) {
            byte[] id = id(world);
            List<byte[]> got = runRanks(world, id, 0, LONG);
            for (int r = 0; r < world; r++) assertThat(got.get(r)).as("rank %d of %d", r, world).isEqualTo(id);
        }
    }

    @Test
    void ranksThatStartBeforeRankZeroRetryUntilItListens() throws Exception {
        byte[] id = id(7);
        List<byte[]> got = runRanks(3, id, 600, LONG);
        assertThat(got).allSatisfy(b -> assertThat(b).isEqualTo(id));
    }

    @Test
    void aWorldOfOneNeedsNoPeer() throws IOException {
        byte[] id = id(1);
        assertThat(IdRendezvous.share(local(freePort()), 0, 1, id, 128, Duration.ofMillis(100))).isEqualTo(id).isNotSameAs(id);
    }

    @Test
    void twoChildJvmsShareTheBytes(@TempDir Path dir) throws Exception {
        int port = freePort();
        List<Process> ps = new ArrayList<>();
        for (int r = 1; r >= 0; r--) ps.add(child(port, r, 2, 42, 20_000, dir.resolve("rank" + r + ".log")));
        for (Process p : ps) assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String expected = HexFormat.of().formatHex(id42());
        for (int r = 0; r < 2; r++) {
            String log = Files.readString(dir.resolve("rank" + r + ".log")).strip();
            assertThat(log).as("rank %d", r).endsWith("rank " + r + " got " + expected);
        }
        assertThat(ps).allSatisfy(p -> assertThat(p.exitValue()).isZero());
    }

    private static byte[] id42() {
        byte[] b = new byte[128];
        new SplittableRandom(42).nextBytes(b);
        return b;
    }

    @Test
    void aChildJvmWhoseRankZeroNeverComesTimesOutNamingTheEndpoint(@TempDir Path dir) throws Exception {
        int port = freePort();
        Process p = child(port, 1, 2, 42, 800, dir.resolve("rank1.log"));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(Files.readString(dir.resolve("rank1.log")).strip())
                .startsWith("rank 1 failed: rendezvous at 127.0.0.1:" + port + " (test): rank 0 was not listening within 0.800 s");
    }

    private static Process child(int port, int rank, int world, long seed, long millis, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                IdRendezvousMain.class.getName(), "127.0.0.1", String.valueOf(port), String.valueOf(rank), String.valueOf(world),
                String.valueOf(seed), String.valueOf(millis))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void aPortInUseIsOneClearLine() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> IdRendezvous.share(local(port), 0, 2, id(1), 128, LONG))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("rendezvous: rank 0 cannot listen on port " + port + " for 127.0.0.1:" + port + " (MASTER_ADDR:MASTER_PORT): the port is in use")
                    .hasMessageEndingWith("; choose a free port")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void aRankThatNeverComesTimesOutOnRankZeroNamingItAndTheEndpoint() throws IOException {
        int port = freePort();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> IdRendezvous.share(local(port), 0, 2, id(1), 128, Duration.ofMillis(500)))
                .isInstanceOfSatisfying(CollectiveTimeoutException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("rendezvous at 127.0.0.1:" + port + " (MASTER_ADDR:MASTER_PORT): rank 1 of 2 did not connect within 0.500 s; "
                            + "start every rank with the same MASTER_ADDR and MASTER_PORT");
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(500));
                });
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds waited").isBetween(0.45, 5.0);
    }

    @Test
    void rankZeroNamesEveryMissingRankAndTellsThoseThatCame() throws Exception {
        int port = freePort();
        IdRendezvous.Endpoint e = local(port);
        CompletableFuture<byte[]> one = CompletableFuture.supplyAsync(() -> IdRendezvous.share(e, 1, 4, null, 128, LONG), Thread::startVirtualThread);
        pause(100);
        assertThatThrownBy(() -> IdRendezvous.share(e, 0, 4, id(1), 128, Duration.ofMillis(700)))
                .isInstanceOf(CollectiveTimeoutException.class).hasMessageContaining(": ranks 2, 3 of 4 did not connect within 0.700 s");
        assertThatThrownBy(() -> one.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("refused by rank 0: rendezvous at 127.0.0.1:" + port)
                .hasMessageContaining("ranks 2, 3 of 4 did not connect");
    }

    @Test
    void rankZeroThatNeverListensTimesOutOnTheOthers() throws IOException {
        int port = freePort();
        assertThatThrownBy(() -> IdRendezvous.share(local(port), 2, 3, null, 128, Duration.ofMillis(400)))
                .isInstanceOf(CollectiveTimeoutException.class)
                .hasMessageStartingWith("rendezvous at 127.0.0.1:" + port + " (MASTER_ADDR:MASTER_PORT): rank 0 was not listening within 0.400 s (last attempt: ")
                .hasMessageEndingWith("check that rank 0 runs and that MASTER_ADDR and MASTER_PORT name its host and a port it can use");
    }

    /** A server on a free port that answers the first connection with {@code answer}, run on its own thread; returns the port. */
    private static int fakeRankZero(Consumer<Socket> answer) throws IOException {
        ServerSocket server = new ServerSocket(0);
        Thread.startVirtualThread(() -> {
            try (server; Socket s = server.accept()) {
                answer.accept(s);
            } catch (IOException e) {
                // the test's assertion on the joining rank reports what went wrong
            }
        });
        return server.getLocalPort();
    }

    private static void write(Socket s, int... words) {
        try {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            new DataInputStream(s.getInputStream()).readNBytes(20); // the joiner's greeting
            for (int w : words) out.writeInt(w);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aJoinerRefusesAnswersThatAreNotRankZeros() throws IOException {
        int garbage = fakeRankZero(s -> write(s, 0x48545450, 0x2f312e31)); // "HTTP/1.1"
        assertThatThrownBy(() -> IdRendezvous.share(local(garbage), 1, 2, null, 128, LONG)).isInstanceOf(IllegalStateException.class)
                .hasMessage("rendezvous at 127.0.0.1:" + garbage + " (MASTER_ADDR:MASTER_PORT): rank 1 got 0x48545450 from that port, not rank 0's answer; "
                        + "is another program (e.g. torchrun's own store) listening there?");

        int wrongLength = fakeRankZero(s -> write(s, IdRendezvous.MAGIC, IdRendezvous.VERSION, 64));
        assertThatThrownBy(() -> IdRendezvous.share(local(wrongLength), 1, 2, null, 128, LONG))
                .hasMessageEndingWith(": rank 0 announced 64 bytes, rank 1 expects 128");

        int shortAnswer = fakeRankZero(s -> {
            write(s, IdRendezvous.MAGIC, IdRendezvous.VERSION, 128);
            try {
                s.getOutputStream().write(new byte[10]);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> IdRendezvous.share(local(shortAnswer), 1, 2, null, 128, LONG))
                .hasMessageEndingWith(": rank 0 closed the connection after 10 of 128 bytes");

        int otherVersion = fakeRankZero(s -> write(s, IdRendezvous.MAGIC, 9, 128));
        assertThatThrownBy(() -> IdRendezvous.share(local(otherVersion), 1, 2, null, 128, LONG))
                .hasMessageEndingWith(": rank 0 speaks version 9, rank 1 speaks 1");

        int silent = fakeRankZero(s -> {
            write(s);
            pause(2000);
        });
        assertThatThrownBy(() -> IdRendezvous.share(local(silent), 1, 2, null, 128, Duration.ofMillis(500)))
                .isInstanceOf(CollectiveTimeoutException.class)
                .hasMessageEndingWith(": rank 1 reached rank 0 but got no answer within 0.500 s; another rank may not have started");
    }

    /** Rank 0 on its own thread, with {@code peer} run against its port; returns rank 0's failure. */
    private static Throwable rankZeroWith(int world, Consumer<Integer> peer) throws Exception {
        int port = freePort();
        CompletableFuture<byte[]> root = CompletableFuture.supplyAsync(() -> IdRendezvous.share(local(port), 0, world, id(1), 128, LONG),
                Thread::startVirtualThread);
        pause(200);
        peer.accept(port);
        try {
            root.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("rank 0 accepted what it should refuse");
    }

    private static void send(int port, byte[] bytes) {
        try (Socket s = new Socket("127.0.0.1", port); OutputStream out = s.getOutputStream()) {
            out.write(bytes);
            out.flush();
            pause(100);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rankZeroRefusesAConnectionThatIsNotARank() throws Exception {
        Throwable e = rankZeroWith(2, port -> send(port, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(e).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("rendezvous at 127.0.0.1:").hasMessageContaining(" sent 0x47455420, not this rendezvous's greeting; is another program using the port?");
        Throwable half = rankZeroWith(2, port -> send(port, new byte[] {0x54, 0x53, 0x52, 0x44, 0, 0}));
        assertThat(half).hasMessageContaining(" did not send a whole greeting (it closed)");
    }

    @Test
    void aRankThatDisagreesOnTheWorldSizeFailsBothSides() throws Exception {
        List<Throwable> joiner = new ArrayList<>();
        Throwable root = rankZeroWith(2, port -> {
            try {
                IdRendezvous.share(local(port), 1, 3, null, 128, LONG);
            } catch (RuntimeException e) {
                joiner.add(e);
            }
        });
        assertThat(root).isInstanceOf(IllegalStateException.class).hasMessageContaining(" says the world has 3 ranks; rank 0 says 2; start every rank with the same settings");
        assertThat(joiner).singleElement().asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                .hasMessageStartingWith("refused by rank 0: ").hasMessageContaining("says the world has 3 ranks");
    }

    @Test
    void aRankThatJoinsTwiceIsRefused() throws Exception {
        Throwable root = rankZeroWith(3, port -> {
            for (int i = 0; i < 2; i++) {
                Thread.startVirtualThread(() -> {
                    try {
                        IdRendezvous.share(local(port), 1, 3, null, 128, LONG);
                    } catch (RuntimeException e) {
                        // both copies are refused; rank 0's message is checked
                    }
                });
            }
        });
        assertThat(root).hasMessageEndingWith(": rank 1 joined twice; each rank of the job needs its own RANK");
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsSent() {
        IdRendezvous.Endpoint e = local(29500);
        assertThatThrownBy(() -> IdRendezvous.share(e, 2, 2, null, 128, LONG)).hasMessage("rendezvous: rank 2 is not one of 0..1 of a world of 2");
        assertThatThrownBy(() -> IdRendezvous.share(e, 0, 2, new byte[3], 128, LONG)).hasMessage("rendezvous: rank 0 shares 128 bytes, given 3");
        assertThatThrownBy(() -> IdRendezvous.share(e, 1, 2, new byte[128], 128, LONG)).hasMessage("rendezvous: only rank 0 gives the bytes; rank 1 receives them");
        assertThatThrownBy(() -> IdRendezvous.share(e, 1, 2, null, 0, LONG)).hasMessage("rendezvous: a length of 1..4096 bytes, got 0");
        assertThatThrownBy(() -> new IdRendezvous.Endpoint("", 1, "")).hasMessage("a rendezvous needs a host, got ''");
        assertThatThrownBy(() -> new IdRendezvous.Endpoint("h", 70000, "")).hasMessage("a rendezvous port is 1..65535, got 70000");
    }

    @Test
    void torchrunsEndpointIsMasterPortOrTheNextWhenItsAgentHoldsIt() {
        LaunchEnvironment launch = LaunchEnvironment.fromEnvironment(Map.of("RANK", "1", "WORLD_SIZE", "2", "MASTER_ADDR", "node-a", "MASTER_PORT", "29500"));
        assertThat(IdRendezvous.Endpoint.torchrun(launch, Map.of()))
                .isEqualTo(new IdRendezvous.Endpoint("node-a", 29500, "MASTER_ADDR:MASTER_PORT"));
        assertThat(IdRendezvous.Endpoint.torchrun(launch, Map.of("TORCHELASTIC_USE_AGENT_STORE", "False")).port()).isEqualTo(29500);
        IdRendezvous.Endpoint agent = IdRendezvous.Endpoint.torchrun(launch, Map.of("TORCHELASTIC_USE_AGENT_STORE", "True"));
        assertThat(agent.port()).isEqualTo(29501);
        assertThat(agent).hasToString("node-a:29501 (MASTER_ADDR:MASTER_PORT+1; torchrun's agent holds MASTER_PORT)");

        LaunchEnvironment bare = LaunchEnvironment.fromEnvironment(Map.of("RANK", "1", "WORLD_SIZE", "2"));
        assertThatThrownBy(() -> IdRendezvous.Endpoint.torchrun(bare, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the environment sets RANK and WORLD_SIZE but not MASTER_ADDR and MASTER_PORT, which name rank 0's host and port for the rendezvous; torchrun sets all four");
        LaunchEnvironment top = LaunchEnvironment.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "65535"));
        assertThatThrownBy(() -> IdRendezvous.Endpoint.torchrun(top, Map.of("TORCHELASTIC_USE_AGENT_STORE", "True"))).hasMessageStartingWith("MASTER_PORT=65535");
    }
}
