/*
 * The group of one process: sums and means of one contribution are the buffer itself, a
 * broadcast from rank 0 leaves it unchanged and a barrier returns at once. The arguments are
 * still checked, so a call that would fail on several ranks fails on one too.
 */
package io.tessera.tensor.dist;

import io.tessera.tensor.DType;

import java.lang.foreign.MemorySegment;

/** Rank 0 of a world of size 1. */
final class SingleProcess implements Collective {
    private boolean closed;

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public void allReduceSum(float[] data, int offset, int length) {
        open("allReduceSum");
        CollectiveChecks.span("allReduceSum", data.length, offset, length);
    }

    @Override
    public void allReduceSum(double[] data, int offset, int length) {
        open("allReduceSum");
        CollectiveChecks.span("allReduceSum", data.length, offset, length);
    }

    @Override
    public void allReduceSum(MemorySegment data, DType dtype) {
        open("allReduceSum");
        CollectiveChecks.elements("allReduceSum", data, dtype);
    }

    @Override
    public void broadcast(float[] data, int offset, int length, int root) {
        open("broadcast");
        CollectiveChecks.span("broadcast", data.length, offset, length);
        CollectiveChecks.root("broadcast", root, 1);
    }

    @Override
    public void broadcast(double[] data, int offset, int length, int root) {
        open("broadcast");
        CollectiveChecks.span("broadcast", data.length, offset, length);
        CollectiveChecks.root("broadcast", root, 1);
    }

    @Override
    public void broadcast(MemorySegment data, DType dtype, int root) {
        open("broadcast");
        CollectiveChecks.elements("broadcast", data, dtype);
        CollectiveChecks.root("broadcast", root, 1);
    }

    @Override
    public void barrier() {
        open("barrier");
    }

    @Override
    public void close() {
        closed = true;
    }

    private void open(String op) {
        if (closed) throw new IllegalStateException(op + ": the single-process collective is closed");
    }

    @Override
    public String toString() {
        return "single process (rank 0 of 1)";
    }
}
