package io.tessera.tensor.dist;

import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * One rank of {@link IdRendezvous} in its own JVM, for {@link IdRendezvousTest}: arguments
 * {@code host port rank worldSize seed timeoutMillis}; rank 0 shares 128 bytes drawn from the seed,
 * and every rank prints {@code rank R got HEX} on success, or {@code rank R failed: MESSAGE} and
 * exits with 3.
 */
public final class IdRendezvousMain {
    private IdRendezvousMain() {
    }

    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]), rank = Integer.parseInt(args[2]), world = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]), millis = Long.parseLong(args[5]);
        byte[] id = null;
        if (rank == 0) {
            id = new byte[128];
            new SplittableRandom(seed).nextBytes(id);
        }
        try {
            byte[] got = IdRendezvous.share(new IdRendezvous.Endpoint(host, port, "test"), rank, world, id, 128, Duration.ofMillis(millis));
            System.out.println("rank " + rank + " got " + HexFormat.of().formatHex(got));
        } catch (RuntimeException e) {
            System.out.println("rank " + rank + " failed: " + e.getMessage());
            System.exit(3);
        }
    }
}
