/*
 * Shares one short byte string from rank 0 with every other rank of a job over TCP: rank 0 listens
 * on one port, the others connect (retrying until rank 0 is up), say who they are, and receive the
 * bytes once every rank has come. It exists to hand NCCL's 128-byte unique id to the ranks where no
 * MPI is there to broadcast it (torchrun's MASTER_ADDR and MASTER_PORT name the place); it is not a
 * message layer, and nothing but this one exchange runs over it.
 */
package io.tessera.tensor.dist;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The exchange, as one call per rank: {@link #share}. Every rank passes the same endpoint, world
 * size and length; rank 0 passes the bytes, the others receive them.
 *
 * <p>On the wire (big-endian), a joining rank sends {@code MAGIC, VERSION, rank, worldSize, length}
 * and rank 0, once all {@code worldSize − 1} others have joined, answers each with
 * {@code MAGIC, VERSION, length} and the bytes, or {@code MAGIC, VERSION, −1} and a UTF-8 reason
 * (a rank missing at the deadline, a rank that joined twice). Rank 0 refuses a joiner that disagrees
 * on the world size or the length, or sends anything else, and so does a joiner about what it hears.
 */
public final class IdRendezvous {
    /** "TSRD": the first four bytes of every message. */
    static final int MAGIC = 0x54535244;
    static final int VERSION = 1;
    /** The longest byte string shared (NCCL's id is 128 bytes). */
    public static final int MAX_LENGTH = 4096;
    /** The first and the longest pause between connection attempts of a joining rank. */
    private static final long FIRST_RETRY_MS = 50, MAX_RETRY_MS = 1000;

    /**
     * Where rank 0 listens and how the launcher named it, for messages.
     *
     * @param host   rank 0's host, as the other ranks reach it (rank 0 itself listens on every interface)
     * @param port   1..65535
     * @param origin the variables it came from, e.g. "MASTER_ADDR:MASTER_PORT"; may be empty
     */
    public record Endpoint(String host, int port, String origin) {
        public Endpoint {
            if (host == null || host.isBlank()) throw new IllegalArgumentException("a rendezvous needs a host, got '" + host + "'");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("a rendezvous port is 1..65535, got " + port);
        }

        /** "host:port (origin)". */
        @Override
        public String toString() {
            return host + ":" + port + (origin.isEmpty() ? "" : " (" + origin + ")");
        }

        /**
         * The endpoint of a torchrun job: MASTER_ADDR and MASTER_PORT, or MASTER_PORT + 1 when the
         * environment says {@code TORCHELASTIC_USE_AGENT_STORE=True}: torchrun's agent then hosts its
         * own store on MASTER_PORT of the first node, so that port is taken.
         *
         * @param env the environment, e.g. {@code System.getenv()}; only TORCHELASTIC_USE_AGENT_STORE is read from it
         * @throws IllegalArgumentException when the launch names no MASTER_ADDR and MASTER_PORT
         */
        public static Endpoint torchrun(LaunchEnvironment launch, java.util.Map<String, String> env) {
            if (launch.masterAddr().isEmpty() || launch.masterPort().isEmpty()) {
                throw new IllegalArgumentException("the environment sets " + launch.launcher().rankVariable() + " and " + launch.launcher().sizeVariable()
                        + " but not MASTER_ADDR and MASTER_PORT, which name rank 0's host and port for the rendezvous; torchrun sets all four");
            }
            int port = launch.masterPort().getAsInt();
            if (!"true".equalsIgnoreCase(env.getOrDefault("TORCHELASTIC_USE_AGENT_STORE", "").strip())) {
                return new Endpoint(launch.masterAddr().get(), port, "MASTER_ADDR:MASTER_PORT");
            }
            if (port == 65535) {
                throw new IllegalArgumentException("MASTER_PORT=65535 is torchrun's store, and the rendezvous takes the next port, which does not exist; give torchrun a lower --master-port");
            }
            return new Endpoint(launch.masterAddr().get(), port + 1, "MASTER_ADDR:MASTER_PORT+1; torchrun's agent holds MASTER_PORT");
        }
    }

    private IdRendezvous() {
    }

    /**
     * Gives every rank rank 0's {@code bytes}. Rank 0 returns once every other rank has joined and
     * been sent them; another rank returns the bytes it received.
     *
     * @param bytes   rank 0: the bytes to share ({@code length} of them); another rank: null
     * @param length  the number of bytes every rank expects, 1..{@value #MAX_LENGTH}
     * @param timeout the longest any rank waits: rank 0 for the others to join, another rank for
     *                rank 0 to listen and answer
     * @throws IllegalStateException       in one line naming the endpoint: the port is in use, a host
     *                                     does not resolve, a rank disagrees, or bytes arrived that
     *                                     are not this exchange's
     * @throws CollectiveTimeoutException  naming the endpoint and, on rank 0, the ranks that did not come
     */
    public static byte[] share(Endpoint endpoint, int rank, int worldSize, byte[] bytes, int length, Duration timeout) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rendezvous: rank " + rank + " is not one of 0.." + (worldSize - 1) + " of a world of " + worldSize);
        }
        if (length < 1 || length > MAX_LENGTH) throw new IllegalArgumentException("rendezvous: a length of 1.." + MAX_LENGTH + " bytes, got " + length);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("rendezvous: the timeout must be positive, got " + timeout);
        if (rank == 0) {
            if (bytes == null || bytes.length != length) {
                throw new IllegalArgumentException("rendezvous: rank 0 shares " + length + " bytes, given " + (bytes == null ? "none" : bytes.length));
            }
            if (worldSize > 1) serve(endpoint, worldSize, bytes, timeout);
            return bytes.clone();
        }
        if (bytes != null) throw new IllegalArgumentException("rendezvous: only rank 0 gives the bytes; rank " + rank + " receives them");
        return join(endpoint, rank, worldSize, length, timeout);
    }

    // ---- rank 0 ----------------------------------------------------------------------------------

    private record Joiner(Socket socket, DataOutputStream out, int rank) {
    }

    private static void serve(Endpoint endpoint, int worldSize, byte[] bytes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Joiner> joined = new ArrayList<>();
        try (ServerSocket server = listen(endpoint, worldSize)) {
            boolean[] present = new boolean[worldSize];
            present[0] = true;
            while (joined.size() < worldSize - 1) {
                long left = remainingMillis(deadline);
                if (left <= 0) {
                    String missing = missing(present);
                    String msg = "rendezvous at " + endpoint + ": rank" + (missing.contains(",") ? "s " : " ") + missing + " of " + worldSize
                            + " did not connect within " + seconds(timeout) + "; start every rank with the same MASTER_ADDR and MASTER_PORT";
                    refuseAll(joined, msg);
                    throw new CollectiveTimeoutException("rendezvous at " + endpoint, timeout, msg);
                }
                server.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    continue; // the deadline check above reports who is missing
                }
                Joiner j = greet(s, endpoint, worldSize, bytes.length, deadline, joined);
                if (present[j.rank()]) {
                    String msg = "rendezvous at " + endpoint + ": rank " + j.rank() + " joined twice; each rank of the job needs its own RANK";
                    refuse(j, msg);
                    refuseAll(joined, msg);
                    throw new IllegalStateException(msg);
                }
                present[j.rank()] = true;
                joined.add(j);
            }
            for (Joiner j : joined) {
                j.out().writeInt(MAGIC);
                j.out().writeInt(VERSION);
                j.out().writeInt(bytes.length);
                j.out().write(bytes);
                j.out().flush();
            }
        } catch (IOException e) {
            throw new IllegalStateException("rendezvous at " + endpoint + " on rank 0 failed: " + e.getMessage(), e);
        } finally {
            for (Joiner j : joined) closeQuietly(j.socket());
        }
    }

    private static ServerSocket listen(Endpoint endpoint, int worldSize) throws IOException {
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true); // a port left in TIME_WAIT by an earlier run is free; one with a listener is not
            server.bind(new InetSocketAddress(endpoint.port()), Math.max(50, worldSize));
            return server;
        } catch (BindException e) {
            server.close();
            throw new IllegalStateException("rendezvous: rank 0 cannot listen on port " + endpoint.port() + " for " + endpoint
                    + ": the port is in use (" + e.getMessage() + "); choose a free port", e);
        }
    }

    /** Reads a joiner's hello within the deadline; refuses (and fails) on anything that is not a matching hello. */
    private static Joiner greet(Socket s, Endpoint endpoint, int worldSize, int length, long deadline, List<Joiner> joined) throws IOException {
        String from = s.getRemoteSocketAddress().toString();
        try {
            s.setSoTimeout((int) Math.max(1, Math.min(remainingMillis(deadline), Integer.MAX_VALUE)));
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalStateException("rendezvous at " + endpoint + ": a connection from " + from + " sent " + hex(magic)
                        + ", not this rendezvous's greeting; is another program using the port?");
            }
            int version = in.readInt(), rank = in.readInt(), world = in.readInt(), len = in.readInt();
            Joiner j = new Joiner(s, out, rank);
            String bad = version != VERSION ? "speaks rendezvous version " + version + ", rank 0 speaks " + VERSION
                    : world != worldSize ? "says the world has " + world + " ranks; rank 0 says " + worldSize
                    : rank < 1 || rank >= worldSize ? "says it is rank " + rank + ", not one of 1.." + (worldSize - 1)
                    : len != length ? "expects " + len + " bytes; rank 0 shares " + length
                    : null;
            if (bad != null) {
                String msg = "rendezvous at " + endpoint + ": the rank at " + from + " " + bad + "; start every rank with the same settings";
                refuse(j, msg);
                throw new IllegalStateException(msg);
            }
            return j;
        } catch (SocketTimeoutException | EOFException e) {
            closeQuietly(s);
            IllegalStateException ex = new IllegalStateException("rendezvous at " + endpoint + ": a connection from " + from
                    + " did not send a whole greeting (" + (e instanceof EOFException ? "it closed" : "it fell silent") + "); is another program using the port?", e);
            refuseAll(joined, ex.getMessage());
            throw ex;
        } catch (IllegalStateException e) {
            closeQuietly(s);
            refuseAll(joined, e.getMessage());
            throw e;
        }
    }

    private static void refuse(Joiner j, String reason) {
        try {
            j.out().writeInt(MAGIC);
            j.out().writeInt(VERSION);
            j.out().writeInt(-1);
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            j.out().writeInt(text.length);
            j.out().write(text);
            j.out().flush();
        } catch (IOException e) {
            // the joiner is gone; it learns nothing either way
        } finally {
            closeQuietly(j.socket());
        }
    }

    private static void refuseAll(List<Joiner> joined, String reason) {
        for (Joiner j : joined) refuse(j, reason);
    }

    private static String missing(boolean[] present) {
        TreeSet<Integer> out = new TreeSet<>();
        for (int r = 0; r < present.length; r++) if (!present[r]) out.add(r);
        String all = out.toString();
        return all.substring(1, all.length() - 1);
    }

    // ---- the other ranks ---------------------------------------------------------------------------

    private static byte[] join(Endpoint endpoint, int rank, int worldSize, int length, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Socket s = connect(endpoint, deadline, timeout)) {
            s.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(rank);
            out.writeInt(worldSize);
            out.writeInt(length);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            try {
                s.setSoTimeout((int) Math.max(1, Math.min(remainingMillis(deadline), Integer.MAX_VALUE)));
                int magic = in.readInt();
                if (magic != MAGIC) {
                    throw new IllegalStateException("rendezvous at " + endpoint + ": rank " + rank + " got " + hex(magic)
                            + " from that port, not rank 0's answer; is another program (e.g. torchrun's own store) listening there?");
                }
                int version = in.readInt(), len = in.readInt();
                if (version != VERSION) {
                    throw new IllegalStateException("rendezvous at " + endpoint + ": rank 0 speaks version " + version + ", rank " + rank + " speaks " + VERSION);
                }
                if (len == -1) {
                    int n = in.readInt();
                    if (n < 0 || n > 65536) throw new IllegalStateException("rendezvous at " + endpoint + ": rank 0 refused rank " + rank + " with a garbled reason");
                    byte[] text = in.readNBytes(n);
                    throw new IllegalStateException("refused by rank 0: " + new String(text, StandardCharsets.UTF_8));
                }
                if (len != length) {
                    throw new IllegalStateException("rendezvous at " + endpoint + ": rank 0 announced " + len + " bytes, rank " + rank + " expects " + length);
                }
                byte[] got = in.readNBytes(length);
                if (got.length != length) {
                    throw new IllegalStateException("rendezvous at " + endpoint + ": rank 0 closed the connection after " + got.length + " of " + length + " bytes");
                }
                return got;
            } catch (SocketTimeoutException e) {
                String msg = "rendezvous at " + endpoint + ": rank " + rank + " reached rank 0 but got no answer within " + seconds(timeout)
                        + "; another rank may not have started";
                throw new CollectiveTimeoutException("rendezvous at " + endpoint, timeout, msg);
            } catch (EOFException e) {
                throw new IllegalStateException("rendezvous at " + endpoint + ": the connection closed before rank " + rank + " got rank 0's answer", e);
            }
        } catch (IOException e) {
            throw new IllegalStateException("rendezvous at " + endpoint + " on rank " + rank + " failed: " + e.getMessage(), e);
        }
    }

    /** Connects to rank 0, retrying while it is not listening yet (or its name does not resolve yet) until the deadline. */
    private static Socket connect(Endpoint endpoint, long deadline, Duration timeout) throws IOException {
        long pause = FIRST_RETRY_MS;
        String last = "";
        while (true) {
            long left = remainingMillis(deadline);
            if (left <= 0) {
                String msg = "rendezvous at " + endpoint + ": rank 0 was not listening within " + seconds(timeout)
                        + " (last attempt: " + last + "); check that rank 0 runs and that MASTER_ADDR and MASTER_PORT name its host and a port it can use";
                throw new CollectiveTimeoutException("rendezvous at " + endpoint, timeout, msg);
            }
            Socket s = new Socket();
            try {
                InetSocketAddress addr = new InetSocketAddress(endpoint.host(), endpoint.port());
                if (addr.isUnresolved()) throw new UnknownHostException(endpoint.host() + " does not resolve");
                s.connect(addr, (int) Math.max(1, Math.min(left, Integer.MAX_VALUE)));
                return s;
            } catch (ConnectException | NoRouteToHostException | UnknownHostException | SocketTimeoutException e) {
                s.close();
                last = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
            sleep(Math.min(pause, Math.max(1, remainingMillis(deadline))));
            pause = Math.min(MAX_RETRY_MS, pause * 2);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static long remainingMillis(long deadline) {
        long ns = deadline - System.nanoTime();
        return ns <= 0 ? 0 : Math.max(1, ns / 1_000_000);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the rendezvous", e);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing a socket that failed; nothing to add
        }
    }

    private static String hex(int v) {
        return String.format(Locale.ROOT, "0x%08x", v);
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
    }
}
