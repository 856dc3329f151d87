package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Matrix products on plain float[] matrices (row-major, each from an offset), as training needs
 * them: the three layouts of a linear layer's forward and backward passes.
 * <ul>
 *   <li>{@link #nn}: Y = X·W (+ bias), the forward pass of a Conv1D weight W [in, out];</li>
 *   <li>{@link #nt}: Y = X·Wᵀ, the input gradient dY·Wᵀ, and logits against a tied embedding;</li>
 *   <li>{@link #tn}: Y = Xᵀ·D, the weight gradient (inputᵀ · output gradient).</li>
 * </ul>
 * All three run one micro-kernel: output tiles of 4 rows × {@link #PANEL} columns; for each block of
 * {@link #KC} inner indices, a task copies the B block it needs into a contiguous, zero-padded
 * scratch panel (which turns any layout of B into unit-stride vector loads) and broadcasts A's values
 * from wherever A's layout keeps them. Tasks own disjoint output tiles and sum over the inner index in
 * a fixed order, so results do not depend on the number of threads.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output columns per tile: four vectors. */
    static final int PANEL = 4 * L;
    /** Inner indices per block: a 256 × PANEL panel (64 KiB with 512-bit vectors) stays in L2 while a task's rows use it. */
    static final int KC = 256;
    /** Output rows per task. */
    private static final int ROW_CHUNK = 64;
    private static final ThreadLocal<float[]> PANEL_SCRATCH = ThreadLocal.withInitial(() -> new float[KC * PANEL]);
    private static final ThreadLocal<float[]> TILE_SCRATCH = ThreadLocal.withInitial(() -> new float[4 * PANEL]);

    private Gemm() {}

    /**
     * y[rows, out] = x[rows, in] · w[in, out] + bias, or {@code +=} that when {@code accumulate}
     * (a residual connection folded into the projection). {@code bias} may be null.
     */
    public static void nn(float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff, float[] y, int yOff,
                          int rows, int in, int out, boolean accumulate) {
        check(x, xOff, (long) rows * in, w, wOff, (long) in * out, y, yOff, (long) rows * out);
        if (bias != null && (biasOff < 0 || biasOff + (long) out > bias.length))
            throw new IllegalArgumentException("matrix product: the bias is shorter than its offset plus " + out);
        run(x, xOff, in, 1, w, wOff, out, 1, bias, biasOff, y, yOff, out, rows, out, in, accumulate);
    }

    /** y[rows, out] (+)= x[rows, in] · wᵀ, where w is [out, in]. */
    public static void nt(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int rows, int in, int out,
                          boolean accumulate) {
        check(x, xOff, (long) rows * in, w, wOff, (long) in * out, y, yOff, (long) rows * out);
        if (rows <= ROW_CHUNK) {
            run(x, xOff, in, 1, w, wOff, 1, in, null, 0, y, yOff, out, rows, out, in, accumulate);
            return;
        }
        // Every row chunk would gather the same columns of w: transpose it once instead.
        float[] wt = new float[in * out];
        Parallel.forEach((out + PANEL - 1) / PANEL, blk -> {
            for (int j = blk * PANEL, end = Math.min(out, j + PANEL); j < end; j++)
                for (int p = 0; p < in; p++) wt[p * out + j] = w[wOff + j * in + p];
        });
        run(x, xOff, in, 1, wt, 0, out, 1, null, 0, y, yOff, out, rows, out, in, accumulate);
    }

    /**
     * y[m, n] (+)= xᵀ · d, where x is [k, m] and d is [k, n]: the weight gradient of a layer whose input
     * is x and whose output gradient is d, summed over the k rows.
     */
    public static void tn(float[] x, int xOff, float[] d, int dOff, float[] y, int yOff, int k, int m, int n,
                          boolean accumulate) {
        check(x, xOff, (long) k * m, d, dOff, (long) k * n, y, yOff, (long) m * n);
        run(x, xOff, 1, m, d, dOff, n, 1, null, 0, y, yOff, n, m, n, k, accumulate);
    }

    /**
     * sums[j] += Σ_r d[r, j] over {@code rows} rows of width n: a bias's gradient. Each column is
     * summed over rows in order, whatever the thread count.
     */
    public static void addColumnSums(float[] d, int dOff, int rows, int n, float[] sums, int sumsOff) {
        if (dOff < 0 || dOff + (long) rows * n > d.length || sumsOff < 0 || sumsOff + n > sums.length)
            throw new IllegalArgumentException("column sums of " + rows + "×" + n + ": arrays too short");
        int blocks = (n + PANEL - 1) / PANEL;
        Parallel.forEach(blocks, blk -> {
            int c0 = blk * PANEL, cols = Math.min(PANEL, n - c0);
            if (cols == PANEL) {
                FloatVector s0 = FloatVector.fromArray(S, sums, sumsOff + c0), s1 = FloatVector.fromArray(S, sums, sumsOff + c0 + L);
                FloatVector s2 = FloatVector.fromArray(S, sums, sumsOff + c0 + 2 * L), s3 = FloatVector.fromArray(S, sums, sumsOff + c0 + 3 * L);
                for (int r = 0; r < rows; r++) {
                    int o = dOff + r * n + c0;
                    s0 = s0.add(FloatVector.fromArray(S, d, o));
                    s1 = s1.add(FloatVector.fromArray(S, d, o + L));
                    s2 = s2.add(FloatVector.fromArray(S, d, o + 2 * L));
                    s3 = s3.add(FloatVector.fromArray(S, d, o + 3 * L));
                }
                s0.intoArray(sums, sumsOff + c0);
                s1.intoArray(sums, sumsOff + c0 + L);
                s2.intoArray(sums, sumsOff + c0 + 2 * L);
                s3.intoArray(sums, sumsOff + c0 + 3 * L);
            } else {
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < cols; j++) sums[sumsOff + c0 + j] += d[dOff + r * n + c0 + j];
            }
        });
    }

    /** Floating-point operations of one product of an m × k and a k × n matrix. */
    public static long flops(long m, long n, long k) {
        return 2 * m * n * k;
    }

    private static void check(float[] a, int aOff, long aLen, float[] b, int bOff, long bLen, float[] c, int cOff, long cLen) {
        if (aOff < 0 || bOff < 0 || cOff < 0 || aOff + aLen > a.length || bOff + bLen > b.length || cOff + cLen > c.length)
            throw new IllegalArgumentException("matrix product: an array is shorter than its offset plus its matrix");
    }

    /**
     * C[m, n] (+)= A·B for matrices anywhere in arrays: A(i, p) = a[aOff + i·aRow + p·aCol],
     * B(p, j) = b[bOff + p·bRow + j·bCol], C(i, j) = c[cOff + i·ldc + j]. For kernels that multiply
     * blocks of larger tensors (attention's per-head products); no bounds are checked beyond the arrays'.
     */
    static void strided(float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow, int bCol,
                        float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        run(a, aOff, aRow, aCol, b, bOff, bRow, bCol, null, 0, c, cOff, ldc, m, n, k, accumulate);
    }

    /**
     * C[m, n] (+)= A·B (+ bias) where A(i, p) = a[aOff + i·aRow + p·aCol], B(p, j) = b[bOff + p·bRow + j·bCol],
     * C(i, j) = c[cOff + i·ldc + j].
     */
    private static void run(float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow, int bCol,
                            float[] bias, int biasOff, float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        if (m == 0 || n == 0) return;
        int panels = (n + PANEL - 1) / PANEL, chunks = (m + ROW_CHUNK - 1) / ROW_CHUNK;
        Parallel.forEach(chunks * panels, task -> {
            int r0 = (task / panels) * ROW_CHUNK, r1 = Math.min(m, r0 + ROW_CHUNK);
            int c0 = (task % panels) * PANEL, cols = Math.min(PANEL, n - c0);
            for (int r = r0; r < r1; r++) {
                int o = cOff + r * ldc + c0;
                if (!accumulate) Arrays.fill(c, o, o + cols, 0f);
                if (bias != null) for (int j = 0; j < cols; j++) c[o + j] += bias[biasOff + c0 + j];
            }
            float[] panel = PANEL_SCRATCH.get();
            float[] tile = cols < PANEL ? TILE_SCRATCH.get() : null;
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                pack(b, bOff + p0 * bRow + c0 * bCol, bRow, bCol, kc, cols, panel);
                for (int r = r0; r < r1; r += 4) {
                    int valid = Math.min(4, r1 - r);
                    int ia = aOff + r * aRow + p0 * aCol;
                    int ib = valid > 1 ? ia + aRow : ia, ic = valid > 2 ? ia + 2 * aRow : ia, id = valid > 3 ? ia + 3 * aRow : ia;
                    if (tile == null) {
                        micro(a, ia, ib, ic, id, aCol, kc, panel, c, cOff + r * ldc + c0, ldc, valid);
                    } else {
                        Arrays.fill(tile, 0f);
                        micro(a, ia, ib, ic, id, aCol, kc, panel, tile, 0, PANEL, valid);
                        for (int i = 0; i < valid; i++)
                            for (int j = 0; j < cols; j++) c[cOff + (r + i) * ldc + c0 + j] += tile[i * PANEL + j];
                    }
                }
            }
        });
    }

    /** panel[p·PANEL + j] = B(p, j) for p < kc, j < cols; zero for the columns past cols. */
    private static void pack(float[] b, int off, int bRow, int bCol, int kc, int cols, float[] panel) {
        if (bCol == 1 && cols == PANEL) {
            for (int p = 0; p < kc; p++) System.arraycopy(b, off + p * bRow, panel, p * PANEL, PANEL);
        } else if (bCol == 1) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, off + p * bRow, panel, p * PANEL, cols);
                Arrays.fill(panel, p * PANEL + cols, (p + 1) * PANEL, 0f);
            }
        } else {
            // B is a transposed matrix: read each of its columns contiguously.
            if (cols < PANEL) Arrays.fill(panel, 0, kc * PANEL, 0f);
            for (int j = 0; j < cols; j++) {
                int src = off + j * bCol;
                for (int p = 0; p < kc; p++) panel[p * PANEL + j] = b[src + p * bRow];
            }
        }
    }

    /**
     * The 4-row × PANEL-column kernel: 16 vector accumulators; for each inner index, the panel's four
     * vectors are loaded once and each row's A value is broadcast; the sums are added into C's rows.
     * Rows past {@code valid} repeat row 0's A values and are not stored. All in one method, because
     * vectors passed to a helper that C2 does not inline are boxed.
     */
    private static void micro(float[] a, int ia, int ib, int ic, int id, int aCol, int kc, float[] panel,
                              float[] c, int co, int ldc, int valid) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kc; p++) {
            int o = p * PANEL, q = p * aCol;
            FloatVector w0 = FloatVector.fromArray(S, panel, o);
            FloatVector w1 = FloatVector.fromArray(S, panel, o + L);
            FloatVector w2 = FloatVector.fromArray(S, panel, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, panel, o + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[ia + q]);
            c00 = w0.fma(x, c00);
            c01 = w1.fma(x, c01);
            c02 = w2.fma(x, c02);
            c03 = w3.fma(x, c03);
            x = FloatVector.broadcast(S, a[ib + q]);
            c10 = w0.fma(x, c10);
            c11 = w1.fma(x, c11);
            c12 = w2.fma(x, c12);
            c13 = w3.fma(x, c13);
            x = FloatVector.broadcast(S, a[ic + q]);
            c20 = w0.fma(x, c20);
            c21 = w1.fma(x, c21);
            c22 = w2.fma(x, c22);
            c23 = w3.fma(x, c23);
            x = FloatVector.broadcast(S, a[id + q]);
            c30 = w0.fma(x, c30);
            c31 = w1.fma(x, c31);
            c32 = w2.fma(x, c32);
            c33 = w3.fma(x, c33);
        }
        int o = co;
        c00.add(FloatVector.fromArray(S, c, o)).intoArray(c, o);
        c01.add(FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
        c02.add(FloatVector.fromArray(S, c, o + 2 * L)).intoArray(c, o + 2 * L);
        c03.add(FloatVector.fromArray(S, c, o + 3 * L)).intoArray(c, o + 3 * L);
        if (valid < 2) return;
        o += ldc;
        c10.add(FloatVector.fromArray(S, c, o)).intoArray(c, o);
        c11.add(FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
        c12.add(FloatVector.fromArray(S, c, o + 2 * L)).intoArray(c, o + 2 * L);
        c13.add(FloatVector.fromArray(S, c, o + 3 * L)).intoArray(c, o + 3 * L);
        if (valid < 3) return;
        o += ldc;
        c20.add(FloatVector.fromArray(S, c, o)).intoArray(c, o);
        c21.add(FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
        c22.add(FloatVector.fromArray(S, c, o + 2 * L)).intoArray(c, o + 2 * L);
        c23.add(FloatVector.fromArray(S, c, o + 3 * L)).intoArray(c, o + 3 * L);
        if (valid < 4) return;
        o += ldc;
        c30.add(FloatVector.fromArray(S, c, o)).intoArray(c, o);
        c31.add(FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
        c32.add(FloatVector.fromArray(S, c, o + 2 * L)).intoArray(c, o + 2 * L);
        c33.add(FloatVector.fromArray(S, c, o + 3 * L)).intoArray(c, o + 3 * L);
    }
}
