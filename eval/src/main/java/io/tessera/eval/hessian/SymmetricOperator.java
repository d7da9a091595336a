package io.tessera.eval.hessian;
/** A symmetric linear operator on R^n (a Hessian, applied through Hessian-vector products). */
public interface SymmetricOperator {
    /** n, the length of the vectors. */
    int dimension();
    /** out = H·v; must not modify v; out is fully overwritten. */
    void apply(double[] v, double[] out);
}
