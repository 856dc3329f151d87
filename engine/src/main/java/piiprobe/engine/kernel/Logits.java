package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions over one vocabulary-long logit vector, as decoding and scoring need them after every
 * step: argmax, max, and the log of the softmax normaliser. Log-probabilities follow torch's
 * {@code log_softmax}: {@code (x - max) - log(sum(exp(x - max)))}, so they round as transformers' do.
 */
public final class Logits {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Logits() {}

    /** Index of the largest value; the first one on ties, and the first NaN if there is one, as {@code torch.argmax}. */
    public static int argmax(float[] x) {
        float best = max(x); // NaN if any value is NaN
        for (int i = 0; i < x.length; i++) if (x[i] == best || Float.isNaN(x[i])) return i;
        return 0; // x is empty
    }

    public static float max(float[] x) {
        int n = x.length, i = 0;
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int upper = S.loopBound(n); i < upper; i += S.length()) acc = acc.max(FloatVector.fromArray(S, x, i));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, x[i]);
        return m;
    }

    /**
     * {@code log(sum(exp(x - max)))} for {@code max = max(x)}: the second half of the log-softmax
     * normaliser. Entries of -inf (masked tokens) add nothing.
     */
    public static float logSumExpShifted(float[] x, float max) {
        int n = x.length, i = 0;
        FloatVector vmax = FloatVector.broadcast(S, max);
        FloatVector acc = FloatVector.zero(S);
        for (int upper = S.loopBound(n); i < upper; i += S.length())
            acc = acc.add(FloatVector.fromArray(S, x, i).sub(vmax).lanewise(VectorOperators.EXP));
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += Math.exp(x[i] - max);
        return (float) Math.log(sum);
    }

    /** Natural log-softmax of {@code x}, into {@code out} (which may be {@code x}). */
    public static void logSoftmax(float[] x, float[] out) {
        float max = max(x);
        float logSum = logSumExpShifted(x, max);
        int n = x.length, i = 0;
        FloatVector vmax = FloatVector.broadcast(S, max), vls = FloatVector.broadcast(S, logSum);
        for (int upper = S.loopBound(n); i < upper; i += S.length())
            FloatVector.fromArray(S, x, i).sub(vmax).sub(vls).intoArray(out, i);
        for (; i < n; i++) out[i] = (x[i] - max) - logSum;
    }

    /**
     * Writes {@code exp(x - max)} to {@code out} and returns its sum: unnormalised softmax weights for
     * drawing a token ({@code max} should be {@code max(x)}).
     */
    public static double expShifted(float[] x, float max, float[] out) {
        int n = x.length, i = 0;
        FloatVector vmax = FloatVector.broadcast(S, max);
        FloatVector acc = FloatVector.zero(S);
        for (int upper = S.loopBound(n); i < upper; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, x, i).sub(vmax).lanewise(VectorOperators.EXP);
            e.intoArray(out, i);
            acc = acc.add(e);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += out[i] = (float) Math.exp(x[i] - max);
        return sum;
    }
}
