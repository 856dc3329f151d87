package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Row-wise normalisations over rows of width n; {@code out} may be {@code x}. */
public final class Norm {
    private static final VectorSpecies<Float> S = Widen.F;
    private static final int GRAIN = 16;

    private Norm() {}

    /** torch.nn.LayerNorm: (x − mean) / sqrt(var + eps) · w + b, with the biased variance. */
    public static void layerNorm(float[] x, float[] out, int rows, int n, float[] w, float[] b, float eps) {
        Parallel.forRange(rows, GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * n;
                float mean = sum(x, o, n, 0f, false) / n;
                float var = sum(x, o, n, mean, true) / n;
                float rstd = (float) (1.0 / Math.sqrt(var + eps));
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, o + i).sub(mean).mul(rstd);
                    v.mul(FloatVector.fromArray(S, w, i)).add(FloatVector.fromArray(S, b, i)).intoArray(out, o + i);
                }
                for (; i < n; i++) out[o + i] = (x[o + i] - mean) * rstd * w[i] + b[i];
            }
        });
    }

    /** Llama's RMSNorm: w · (x · rsqrt(mean(x²) + eps)), no mean subtraction, no bias. */
    public static void rmsNorm(float[] x, float[] out, int rows, int n, float[] w, float eps) {
        Parallel.forRange(rows, GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * n;
                float ms = sum(x, o, n, 0f, true) / n;
                float rs = (float) (1.0 / Math.sqrt(ms + eps));
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length())
                    FloatVector.fromArray(S, x, o + i).mul(rs).mul(FloatVector.fromArray(S, w, i)).intoArray(out, o + i);
                for (; i < n; i++) out[o + i] = w[i] * (x[o + i] * rs);
            }
        });
    }

    /** Σ (x − shift) or Σ (x − shift)² over x[o .. o+n). */
    private static float sum(float[] x, int o, int n, float shift, boolean squared) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).sub(shift);
            acc = squared ? v.fma(v, acc) : acc.add(v);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float v = x[o + i] - shift;
            s += squared ? v * v : v;
        }
        return s;
    }
}
