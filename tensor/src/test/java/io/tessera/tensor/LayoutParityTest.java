package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.tessera.tensor.ElementwiseTestSupport.REF;
import static io.tessera.tensor.ElementwiseTestSupport.SIMD;
import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.tensor.ElementwiseTestSupport.ints;
import static io.tessera.tensor.ElementwiseTestSupport.on;
import static io.tessera.tensor.ElementwiseTestSupport.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Layout kernels: the reference permute checked element by element against its definition,
 * then SIMD parity for permutations (all of rank 3, the ViT head split, patchify, last-two
 * swap, size-1 axes, one large transpose), slices on every axis, gather and scatter-add with
 * repeated indices, with and without accumulation; and clear errors for bad indices.
 */
class LayoutParityTest {

    @Test
    void referencePermuteFollowsItsDefinition() {
        int[] xd = {2, 3, 4, 5};
        int[] perm = {2, 0, 3, 1};
        Tensor x = on(REF, randn(1, 120), xd);
        int[] od = new int[4];
        for (int i = 0; i < 4; i++) od[i] = xd[perm[i]];
        Tensor out = on(REF, new float[120], od);
        REF.permute(out, x, perm, false);
        int[] o = new int[4], xi = new int[4];
        for (o[0] = 0; o[0] < od[0]; o[0]++)
            for (o[1] = 0; o[1] < od[1]; o[1]++)
                for (o[2] = 0; o[2] < od[2]; o[2]++)
                    for (o[3] = 0; o[3] < od[3]; o[3]++) {
                        for (int i = 0; i < 4; i++) xi[perm[i]] = o[i];
                        assertThat(out.get(o)).isEqualTo(x.get(xi));
                    }
    }

    /** (x shape, perm) cases. */
    private static List<int[][]> permuteCases() {
        List<int[][]> cases = new ArrayList<>();
        int[][] rank3 = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        for (int[] p : rank3) cases.add(new int[][]{{3, 5, 7}, p});
        cases.add(new int[][]{{5, 1, 7}, {2, 1, 0}});
        cases.add(new int[][]{{2, 5, 3, 4, 8}, {2, 0, 3, 1, 4}}); // (B, T, 3, H, Dh) → (3, B, H, T, Dh)
        cases.add(new int[][]{{2, 4, 5, 3, 8}, {0, 2, 1, 3, 4}}); // (B, H, T, Dh) merge back with heads
        cases.add(new int[][]{{3, 37, 45}, {0, 2, 1}});
        cases.add(new int[][]{{2, 3, 2, 4, 3, 4}, {0, 2, 4, 3, 5, 1}}); // patchify (B, C, h, P, w, P) → (B, h, w, P, P, C)
        cases.add(new int[][]{{2, 2, 3, 4, 4, 3}, {0, 5, 1, 3, 2, 4}}); // unpatchify
        cases.add(new int[][]{{1, 1, 9}, {2, 0, 1}});
        cases.add(new int[][]{{1000, 1000}, {1, 0}});
        return cases;
    }

    @Test
    void permuteMatchesTheReference() {
        for (int[][] c : permuteCases()) {
            int[] xd = c[0], perm = c[1];
            int n = Shape.of(xd).size();
            int[] od = new int[xd.length];
            for (int i = 0; i < xd.length; i++) od[i] = xd[perm[i]];
            float[] x = randn(n, n), o0 = randn(n + 1, n);
            for (boolean acc : new boolean[]{false, true}) {
                Tensor ro = on(REF, o0, od);
                REF.permute(ro, on(REF, x, xd), perm, acc);
                for (CpuBackend be : SIMD) {
                    Tensor so = on(be, o0, od);
                    be.permute(so, on(be, x, xd), perm, acc);
                    assertClose("permute " + Shape.of(xd) + " by " + Arrays.toString(perm) + (acc ? " (+=)" : "") + " on " + be.name(),
                            so.toFloatArray(), ro.toFloatArray(), 0, 0);
                }
            }
        }
    }

    @Test
    void slicesMatchTheReference() {
        int[] big = {4, 9, 6};
        for (int axis = 0; axis < 3; axis++) {
            int len = big[axis] / 2, start = big[axis] - len - 1;
            int[] small = big.clone();
            small[axis] = len;
            int nb = Shape.of(big).size(), ns = Shape.of(small).size();
            float[] b = randn(axis, nb), s = randn(axis + 10, ns);
            for (boolean acc : new boolean[]{false, true}) {
                Tensor rr = on(REF, s, small), rw = on(REF, b, big);
                REF.readSlice(rr, on(REF, b, big), axis, start, acc);
                REF.writeSlice(rw, on(REF, s, small), axis, start, acc);
                for (CpuBackend be : SIMD) {
                    String what = "axis " + axis + (acc ? " (+=)" : "") + " on " + be.name();
                    Tensor sr = on(be, s, small), sw = on(be, b, big);
                    be.readSlice(sr, on(be, b, big), axis, start, acc);
                    be.writeSlice(sw, on(be, s, small), axis, start, acc);
                    assertClose("readSlice " + what, sr.toFloatArray(), rr.toFloatArray(), 0, 0);
                    assertClose("writeSlice " + what, sw.toFloatArray(), rw.toFloatArray(), 0, 0);
                }
            }
        }
        assertThatThrownBy(() -> REF.readSlice(on(REF, new float[4], 4), on(REF, new float[6], 6), 0, 3, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readSlice");
        for (CpuBackend be : SIMD) {
            assertThatThrownBy(() -> be.writeSlice(on(be, new float[6], 6), on(be, new float[4], 4), 0, 3, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeSlice");
        }
    }

    /** ({x shape}, {axis, K}) cases; indices repeat so scatter-add sums. */
    private static final int[][][] GATHER_CASES = {{{2, 7, 5}, {1, 4}}, {{7, 3}, {0, 4}}, {{2, 3, 6}, {2, 4}}, {{3, 50, 64}, {1, 40}}};

    @Test
    void gatherAndScatterAddMatchTheReference() {
        for (int[][] c : GATHER_CASES) {
            int[] xd = c[0];
            int axis = c[1][0], k = c[1][1];
            Shape xs = Shape.of(xd);
            int[] id = new int[axis + 1];
            for (int i = 0; i < axis; i++) id[i] = xd[i];
            id[axis] = k;
            int[] od = xd.clone();
            od[axis] = k;
            int ni = Shape.of(id).size(), no = Shape.of(od).size();
            Rng rng = new Rng(ni);
            int[] ix = new int[ni];
            for (int i = 0; i < ni; i++) ix[i] = rng.nextInt(xd[axis]);
            float[] x = randn(xs.size(), xs.size()), g = randn(no, no), dx0 = randn(7, xs.size());
            Tensor ro = on(REF, new float[no], od), rdx = on(REF, dx0, xd);
            REF.gather(ro, on(REF, x, xd), ints(REF, ix, id), axis);
            REF.scatterAdd(rdx, on(REF, g, od), ints(REF, ix, id), axis);
            for (CpuBackend be : SIMD) {
                String what = xs + " axis " + axis + " on " + be.name();
                Tensor so = on(be, new float[no], od), sdx = on(be, dx0, xd);
                be.gather(so, on(be, x, xd), ints(be, ix, id), axis);
                be.scatterAdd(sdx, on(be, g, od), ints(be, ix, id), axis);
                assertClose("gather " + what, so.toFloatArray(), ro.toFloatArray(), 0, 0);
                assertClose("scatterAdd " + what, sdx.toFloatArray(), rdx.toFloatArray(), 1e-6, 1e-6);
            }
        }
    }

    @Test
    void outOfRangeIndicesThrowNamingIndexPositionAndBound() {
        List<Backend> all = new ArrayList<>(SIMD);
        all.add(REF);
        for (Backend be : all) {
            Tensor x = on(be, randn(3, 2 * 5 * 3), 2, 5, 3);
            Tensor out = on(be, new float[2 * 2 * 3], 2, 2, 3);
            Tensor bad = ints(be, new int[]{0, 1, 4, 5}, 2, 2);
            assertThatThrownBy(() -> be.gather(out, x, bad, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("gather").hasMessageContaining("index 5").hasMessageContaining("a=1, k=1")
                    .hasMessageContaining("[0, 5)");
            Tensor negative = ints(be, new int[]{0, -1, 2, 3}, 2, 2);
            float[] before = x.toFloatArray();
            assertThatThrownBy(() -> be.scatterAdd(x, out, negative, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("scatterAdd").hasMessageContaining("index -1").hasMessageContaining("a=0, k=1");
            assertThat(x.toFloatArray()).as("scatterAdd writes nothing when an index is bad").containsExactly(before);
            Tensor wrongRank = ints(be, new int[]{0, 1}, 2);
            assertThatThrownBy(() -> be.gather(out, x, wrongRank, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(2)");
        }
    }
}
