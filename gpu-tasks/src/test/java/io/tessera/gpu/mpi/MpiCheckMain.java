/*
 * The program each rank runs under mpirun in MpiCollectiveTest: one scenario per invocation.
 * "collectives" checks sums, means and broadcasts of known vectors exactly (with two ranks a sum
 * of two floats does not depend on the order of its terms) and the error path of the binding;
 * "stall" and "peer-dies" check that a rank waiting for a missing peer does not hang. A failed
 * check throws, so the rank exits non-zero and mpirun fails the job.
 */
package io.tessera.gpu.mpi;

import io.tessera.gpu.NativeException;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.CollectiveTimeoutException;
import io.tessera.tensor.dist.LaunchEnvironment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

final class MpiCheckMain {
    private MpiCheckMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "collectives" -> collectives();
            case "stall" -> stall();
            case "peer-dies" -> peerDies();
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
    }

    /** Rank r's contribution at index i: small multiples of 1/4, so every sum is exact in float. */
    static float f32(int r, int i) {
        return (r + 1) * 0.25f * (i % 97) - 3 * r;
    }

    /** Rank r's double contribution: not exactly representable, so rounding would show. */
    static double f64(int r, int i) {
        return (r + 1) * Math.sqrt(i + 1) / 7 + r * 1e-9;
    }

    static void expect(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    private static void collectives() {
        try (MpiCollective c = MpiCollective.open(Duration.ofSeconds(30))) {
            int r = c.rank(), n = c.worldSize();
            expect(n == 2, "world size " + n + ", expected 2");
            LaunchEnvironment env = LaunchEnvironment.fromEnvironment(System.getenv());
            expect(env.launcher() == LaunchEnvironment.Launcher.MPIRUN && env.rank() == r && env.worldSize() == n,
                    "MPI says rank " + r + " of " + n + ", the environment says " + env);

            // F32 sum over a span: the elements outside it stay as they were
            float[] f = new float[1003];
            for (int i = 0; i < f.length; i++) f[i] = f32(r, i);
            c.allReduceSum(f, 1, 1001);
            for (int i = 0; i < f.length; i++) {
                float want = i == 0 || i == 1002 ? f32(r, i) : f32(0, i) + f32(1, i);
                expect(f[i] == want, "F32 sum at " + i + ": " + f[i] + ", expected " + want);
            }
            // F32 mean of the whole array
            for (int i = 0; i < f.length; i++) f[i] = f32(r, i) + 0.125f;
            c.allReduceMean(f);
            for (int i = 0; i < f.length; i++) {
                float want = ((f32(0, i) + 0.125f) + (f32(1, i) + 0.125f)) / 2f;
                expect(f[i] == want, "F32 mean at " + i + ": " + f[i] + ", expected " + want);
            }
            // F64 sum and mean
            double[] d = new double[517];
            for (int i = 0; i < d.length; i++) d[i] = f64(r, i);
            c.allReduceSum(d);
            for (int i = 0; i < d.length; i++) expect(d[i] == f64(0, i) + f64(1, i), "F64 sum at " + i + ": " + d[i]);
            for (int i = 0; i < d.length; i++) d[i] = f64(r, i);
            c.allReduceMean(d, 5, 500);
            for (int i = 0; i < d.length; i++) {
                double want = i < 5 || i >= 505 ? f64(r, i) : (f64(0, i) + f64(1, i)) / 2;
                expect(d[i] == want, "F64 mean at " + i + ": " + d[i] + ", expected " + want);
            }
            // broadcasts from either root
            float[] bf = new float[300];
            for (int i = 0; i < bf.length; i++) bf[i] = f32(r, i);
            c.broadcast(bf, 0, bf.length, 1);
            for (int i = 0; i < bf.length; i++) expect(bf[i] == f32(1, i), "F32 broadcast from 1 at " + i + ": " + bf[i]);
            double[] bd = new double[77];
            for (int i = 0; i < bd.length; i++) bd[i] = f64(r, i);
            c.broadcast(bd, 10, 60, 0);
            for (int i = 0; i < bd.length; i++) {
                double want = i < 10 || i >= 70 ? f64(r, i) : f64(0, i);
                expect(bd[i] == want, "F64 broadcast from 0 at " + i + ": " + bd[i]);
            }
            segments(c, r);
            tensors(c, r);
            c.barrier();
            errorPath(c);
            System.out.println("rank " + r + " ok: " + c);
        }
    }

    /** A shared native segment goes to MPI directly; a confined one and a heap one are staged. */
    private static void segments(MpiCollective c, int r) {
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            MemorySegment s = shared.allocate(JAVA_FLOAT, 4099);
            for (int i = 0; i < 4099; i++) s.setAtIndex(JAVA_FLOAT, i, f32(r, i));
            c.allReduceSum(s, DType.F32);
            for (int i = 0; i < 4099; i++) expect(s.getAtIndex(JAVA_FLOAT, i) == f32(0, i) + f32(1, i), "shared segment sum at " + i);
            MemorySegment q = confined.allocate(JAVA_DOUBLE, 33);
            for (int i = 0; i < 33; i++) q.setAtIndex(JAVA_DOUBLE, i, f64(r, i));
            c.broadcast(q, DType.F64, 1);
            for (int i = 0; i < 33; i++) expect(q.getAtIndex(JAVA_DOUBLE, i) == f64(1, i), "confined segment broadcast at " + i);
            c.allReduceMean(q, DType.F64);
            for (int i = 0; i < 33; i++) expect(q.getAtIndex(JAVA_DOUBLE, i) == (f64(1, i) + f64(1, i)) / 2, "confined segment mean at " + i);
            float[] h = new float[9];
            for (int i = 0; i < 9; i++) h[i] = f32(r, i);
            c.allReduceSum(MemorySegment.ofArray(h), DType.F32);
            for (int i = 0; i < 9; i++) expect(h[i] == f32(0, i) + f32(1, i), "heap segment sum at " + i);
        }
    }

    /** A host tensor that views its storage from an offset: only its own elements move. */
    private static void tensors(MpiCollective c, int r) {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            float[] x = new float[12];
            for (int i = 0; i < 12; i++) x[i] = f32(r, i);
            Tensor t = ctx.ops().tensor(x, 4, 3);
            Tensor rows = t.narrow0(1, 2); // elements 3..8
            c.allReduceSum(rows);
            float[] got = t.toFloatArray();
            for (int i = 0; i < 12; i++) {
                float want = i >= 3 && i < 9 ? f32(0, i) + f32(1, i) : f32(r, i);
                expect(got[i] == want, "tensor sum at " + i + ": " + Arrays.toString(got));
            }
        }
    }

    /** A bad count reaches MPI, which returns (MPI_ERRORS_RETURN) an error named by its class; the group stays usable. */
    private static void errorPath(MpiCollective c) {
        try {
            c.onMpiThread("MPI_Allreduce", mpi -> {
                try (Arena a = Arena.ofConfined()) {
                    mpi.allReduceSum(a.allocate(16), -1, mpi.datatype(false), "count -1");
                }
                return null;
            });
            throw new AssertionError("MPI_Allreduce with count -1 did not fail");
        } catch (NativeException e) {
            expect(e.statusName().equals("MPI_ERR_COUNT"), "status " + e.statusName());
            expect(e.getMessage().startsWith("MPI_Allreduce failed with MPI_ERR_COUNT (2): count -1: "), e.getMessage());
            System.out.println("rank " + c.rank() + " error: " + e.getMessage());
        }
        float[] one = {c.rank()};
        c.allReduceSum(one);
        expect(one[0] == 1f, "sum after the error: " + one[0]);
    }

    /** Rank 1 does not join in time: rank 0's sum times out, later calls are refused, close returns. */
    private static void stall() throws InterruptedException {
        MpiCollective c = MpiCollective.open(Duration.ofSeconds(4));
        c.barrier();
        if (c.rank() == 1) {
            Thread.sleep(60_000); // mpirun ends this rank when rank 0 leaves
            return;
        }
        long t0 = System.nanoTime();
        CollectiveTimeoutException timeout = null;
        try {
            c.allReduceSum(new float[8]);
        } catch (CollectiveTimeoutException e) {
            timeout = e;
        }
        expect(timeout != null, "the sum without a peer returned");
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.println("rank 0 timed out after " + String.format(java.util.Locale.ROOT, "%.1f", s) + " s: " + timeout.getMessage());
        try {
            c.barrier();
            throw new AssertionError("a barrier after the timeout was accepted");
        } catch (IllegalStateException e) {
            System.out.println("rank 0 refused: " + e.getMessage());
        }
        c.close();
        System.out.println("rank 0 closed");
        System.exit(0);
    }

    /** Rank 1 dies before the sum: rank 0 must not wait for it forever. */
    private static void peerDies() {
        MpiCollective c = MpiCollective.open(Duration.ofSeconds(8));
        c.barrier();
        if (c.rank() == 1) {
            System.out.println("rank 1 halts");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        try {
            c.allReduceSum(new float[1 << 16]);
            System.out.println("rank 0 sum returned without its peer");
        } catch (RuntimeException e) {
            System.out.println("rank 0 failed: " + e.getMessage());
        }
        System.exit(0);
    }
}
