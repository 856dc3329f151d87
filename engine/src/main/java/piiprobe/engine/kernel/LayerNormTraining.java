package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * torch.nn.LayerNorm for training: the forward pass keeps each row's mean and 1/std for the
 * backward pass, which returns the input's gradient and accumulates the gain's and bias's.
 * Arrays are rows of width n from the given offsets.
 */
public final class LayerNormTraining {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Rows per task. */
    private static final int ROWS = 16;
    /** Columns per task of the gain and bias gradients. */
    private static final int COLUMNS = 4 * L;

    private LayerNormTraining() {}

    /**
     * out = (x − mean) / sqrt(var + eps) · w + b per row, with the biased variance; mean[r] and rstd[r]
     * (1 / sqrt(var + eps)) are written from {@code statsOff}.
     */
    public static void forward(float[] x, int xOff, float[] out, int outOff, float[] mean, float[] rstd, int statsOff,
                               int rows, int n, float[] w, int wOff, float[] b, int bOff, float eps) {
        Parallel.forEach((rows + ROWS - 1) / ROWS, task -> {
            for (int r = task * ROWS, end = Math.min(rows, r + ROWS); r < end; r++) {
                int xo = xOff + r * n, oo = outOff + r * n;
                float mu = sum(x, xo, n, 0f, false) / n;
                float rs = (float) (1.0 / Math.sqrt(sum(x, xo, n, mu, true) / n + eps));
                mean[statsOff + r] = mu;
                rstd[statsOff + r] = rs;
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs);
                    v.mul(FloatVector.fromArray(S, w, wOff + i)).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, oo + i);
                }
                for (; i < n; i++) out[oo + i] = (x[xo + i] - mu) * rs * w[wOff + i] + b[bOff + i];
            }
        });
    }

    /**
     * Given dout, the gradient at the output of {@link #forward} on x: adds the input's gradient to dx
     * and the gain's and bias's (summed over rows, in row order) to dw and db.
     */
    public static void backward(float[] dout, int dOff, float[] x, int xOff, float[] mean, float[] rstd, int statsOff,
                                float[] w, int wOff, int rows, int n, float[] dx, int dxOff, float[] dw, int dwOff, float[] db, int dbOff) {
        Parallel.forEach((rows + ROWS - 1) / ROWS, task -> {
            for (int r = task * ROWS, end = Math.min(rows, r + ROWS); r < end; r++) {
                int xo = xOff + r * n, go = dOff + r * n, oo = dxOff + r * n;
                float mu = mean[statsOff + r], rs = rstd[statsOff + r];
                // With g = dout·w and xhat the normalised input: dx = rstd · (g − mean(g) − xhat · mean(g · xhat)).
                FloatVector sg = FloatVector.zero(S), sgx = sg;
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L) {
                    FloatVector g = FloatVector.fromArray(S, dout, go + i).mul(FloatVector.fromArray(S, w, wOff + i));
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs);
                    sg = sg.add(g);
                    sgx = g.fma(xhat, sgx);
                }
                float gMean = ReproducibleMath.sum(sg), gxMean = ReproducibleMath.sum(sgx);
                for (int j = i; j < n; j++) {
                    float g = dout[go + j] * w[wOff + j];
                    gMean += g;
                    gxMean += g * (x[xo + j] - mu) * rs;
                }
                gMean /= n;
                gxMean /= n;
                i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L) {
                    FloatVector g = FloatVector.fromArray(S, dout, go + i).mul(FloatVector.fromArray(S, w, wOff + i));
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs);
                    g.sub(gMean).sub(xhat.mul(gxMean)).mul(rs).add(FloatVector.fromArray(S, dx, oo + i)).intoArray(dx, oo + i);
                }
                for (; i < n; i++) {
                    float g = dout[go + i] * w[wOff + i], xhat = (x[xo + i] - mu) * rs;
                    dx[oo + i] += (g - gMean - xhat * gxMean) * rs;
                }
            }
        });
        // The parameter gradients sum over rows: one task per block of columns keeps the order fixed.
        Parallel.forEach((n + COLUMNS - 1) / COLUMNS, task -> {
            int c0 = task * COLUMNS, c1 = Math.min(n, c0 + COLUMNS);
            for (int r = 0; r < rows; r++) {
                int xo = xOff + r * n, go = dOff + r * n;
                float mu = mean[statsOff + r], rs = rstd[statsOff + r];
                int i = c0;
                for (int bound = c0 + S.loopBound(c1 - c0); i < bound; i += L) {
                    FloatVector g = FloatVector.fromArray(S, dout, go + i);
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs);
                    g.add(FloatVector.fromArray(S, db, dbOff + i)).intoArray(db, dbOff + i);
                    g.fma(xhat, FloatVector.fromArray(S, dw, dwOff + i)).intoArray(dw, dwOff + i);
                }
                for (; i < c1; i++) {
                    db[dbOff + i] += dout[go + i];
                    dw[dwOff + i] += dout[go + i] * (x[xo + i] - mu) * rs;
                }
            }
        });
    }

    /** Σ (x − shift) or Σ (x − shift)² over x[o .. o+n). */
    private static float sum(float[] x, int o, int n, float shift, boolean squared) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).sub(shift);
            acc = squared ? v.fma(v, acc) : acc.add(v);
        }
        float s = ReproducibleMath.sum(acc);
        for (; i < n; i++) {
            float v = x[o + i] - shift;
            s += squared ? v * v : v;
        }
        return s;
    }
}
