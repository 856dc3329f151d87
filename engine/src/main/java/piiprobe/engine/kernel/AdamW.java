package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The AdamW update of torch.optim.AdamW (decoupled weight decay, bias-corrected moments) over a range
 * of a flat parameter array, and the squared norm that gradient clipping needs.
 */
public final class AdamW {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements per task: fixed, so that sums combine in the same order whatever the thread count. */
    private static final int CHUNK = 1 << 15;

    /**
     * Hyperparameters of one step.
     *
     * @param lr          learning rate of this step
     * @param beta1       decay of the first moment
     * @param beta2       decay of the second moment
     * @param eps         added to the root of the second moment
     * @param weightDecay decoupled decay, applied as p ← p·(1 − lr·weightDecay)
     * @param step        the step number, from 1, for bias correction
     * @param gradScale   factor applied to every gradient first (global-norm clipping)
     */
    public record Step(float lr, float beta1, float beta2, float eps, float weightDecay, int step, float gradScale) {}

    private AdamW() {}

    /** Updates params[from, to) from grads, with moments m and v (same indexing), as torch does. */
    public static void update(float[] params, float[] grads, float[] m, float[] v, int from, int to, Step s) {
        float bc1 = (float) (1 - Math.pow(s.beta1, s.step)), bc2Sqrt = (float) Math.sqrt(1 - Math.pow(s.beta2, s.step));
        float stepSize = s.lr / bc1, decay = 1 - s.lr * s.weightDecay;
        float b1 = s.beta1, b2 = s.beta2, c1 = 1 - b1, c2 = 1 - b2, eps = s.eps, scale = s.gradScale;
        int chunks = (to - from + CHUNK - 1) / CHUNK;
        Parallel.forEach(chunks, c -> {
            int lo = from + c * CHUNK, hi = Math.min(to, lo + CHUNK), i = lo;
            for (int bound = lo + S.loopBound(hi - lo); i < bound; i += L) {
                FloatVector g = FloatVector.fromArray(S, grads, i).mul(scale);
                FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(g.mul(c1));
                FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(g.mul(g).mul(c2));
                mi.intoArray(m, i);
                vi.intoArray(v, i);
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
                FloatVector.fromArray(S, params, i).mul(decay).sub(mi.div(denom).mul(stepSize)).intoArray(params, i);
            }
            for (; i < hi; i++) {
                float g = grads[i] * scale;
                m[i] = b1 * m[i] + c1 * g;
                v[i] = b2 * v[i] + c2 * g * g;
                params[i] = params[i] * decay - stepSize * (m[i] / ((float) Math.sqrt(v[i]) / bc2Sqrt + eps));
            }
        });
    }

    /** Σ x[i]² over x[from, to), summed in double by fixed chunks combined in order. */
    public static double squaredNorm(float[] x, int from, int to) {
        int chunks = (to - from + CHUNK - 1) / CHUNK;
        double[] partial = new double[chunks];
        Parallel.forEach(chunks, c -> {
            int lo = from + c * CHUNK, hi = Math.min(to, lo + CHUNK);
            double sum = 0;
            // Float partial sums over short blocks only: over many squares they would drift.
            for (int blk = lo; blk < hi; blk += 1024) {
                int end = Math.min(hi, blk + 1024), i = blk;
                FloatVector acc = FloatVector.zero(S);
                for (int bound = blk + S.loopBound(end - blk); i < bound; i += L) {
                    FloatVector g = FloatVector.fromArray(S, x, i);
                    acc = g.fma(g, acc);
                }
                sum += ReproducibleMath.sum(acc);
                for (; i < end; i++) sum += (double) x[i] * x[i];
            }
            partial[c] = sum;
        });
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }
}
