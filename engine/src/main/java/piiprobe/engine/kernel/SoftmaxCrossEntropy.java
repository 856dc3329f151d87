package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Next-token log-probabilities from rows of logits, and the gradient of any weighted sum of them,
 * computed in place: the logits are not needed after the gradient is written over them.
 */
public final class SoftmaxCrossEntropy {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int ROWS = 8;

    private SoftmaxCrossEntropy() {}

    /**
     * lse[r] = log Σ_j exp(logits[r, j]) and logprob[r] = logits[r, targets[r]] − lse[r] for every row
     * (logprob is 0 where the target is negative: no target).
     */
    public static void logProbabilities(float[] logits, int rows, int n, int[] targets, float[] lse, float[] logprob) {
        if (logits.length < (long) rows * n || targets.length < rows || lse.length < rows || logprob.length < rows)
            throw new IllegalArgumentException("cross-entropy over " + rows + "×" + n + ": arrays too short");
        Parallel.forEach((rows + ROWS - 1) / ROWS, task -> {
            for (int r = task * ROWS, end = Math.min(rows, r + ROWS); r < end; r++) {
                int o = r * n;
                FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L) mv = mv.max(FloatVector.fromArray(S, logits, o + i));
                float max = mv.reduceLanes(VectorOperators.MAX);
                for (int j = i; j < n; j++) max = Math.max(max, logits[o + j]);
                FloatVector sv = FloatVector.zero(S);
                i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L)
                    sv = sv.add(ReproducibleMath.exp(FloatVector.fromArray(S, logits, o + i).sub(max)));
                double sum = ReproducibleMath.sum(sv);
                for (; i < n; i++) sum += ReproducibleMath.exp(logits[o + i] - max);
                lse[r] = (float) (max + Math.log(sum));
                logprob[r] = targets[r] < 0 ? 0f : logits[o + targets[r]] - lse[r];
            }
        });
    }

    /**
     * Overwrites each row of logits with the gradient of Σ_r weight[r] · logprob[r] taken negative,
     * that is weight[r] · (softmax(row) − onehot(target)); a row of weight 0 becomes zeros.
     */
    public static void gradient(float[] logits, int rows, int n, int[] targets, float[] lse, float[] weight) {
        Parallel.forEach((rows + ROWS - 1) / ROWS, task -> {
            for (int r = task * ROWS, end = Math.min(rows, r + ROWS); r < end; r++) {
                int o = r * n;
                float w = weight[r], shift = lse[r];
                if (w == 0f || targets[r] < 0) {
                    java.util.Arrays.fill(logits, o, o + n, 0f);
                    continue;
                }
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L)
                    ReproducibleMath.exp(FloatVector.fromArray(S, logits, o + i).sub(shift)).mul(w).intoArray(logits, o + i);
                for (; i < n; i++) logits[o + i] = ReproducibleMath.exp(logits[o + i] - shift) * w;
                logits[o + targets[r]] -= w;
            }
        });
    }
}
