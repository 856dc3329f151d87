package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Token plus learned position embeddings for training (GPT-2's wte and wpe, float[] tables of rows of
 * width d): the forward sum and the backward scatter-add into both tables.
 */
public final class EmbeddingTraining {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int ROWS = 64;

    private EmbeddingTraining() {}

    /** out[i] = wte[tokens[i]] + wpe[i mod seq] for every token i of sequences of length seq. */
    public static void forward(float[] wte, int wteOff, float[] wpe, int wpeOff, int[] tokens, int seq, int d, float[] out) {
        int n = tokens.length;
        Parallel.forEach((n + ROWS - 1) / ROWS, task -> {
            for (int t = task * ROWS, end = Math.min(n, t + ROWS); t < end; t++) {
                int a = wteOff + tokens[t] * d, b = wpeOff + (t % seq) * d, o = t * d, i = 0;
                for (int bound = S.loopBound(d); i < bound; i += S.length())
                    FloatVector.fromArray(S, wte, a + i).add(FloatVector.fromArray(S, wpe, b + i)).intoArray(out, o + i);
                for (; i < d; i++) out[o + i] = wte[a + i] + wpe[b + i];
            }
        });
    }

    /**
     * dwte[tokens[i]] += dout[i] and dwpe[i mod seq] += dout[i]. Tokens repeat, so rows are added in
     * token order on one thread: the sums stay deterministic, and this is a small part of a step.
     */
    public static void backward(float[] dout, int[] tokens, int seq, int d, float[] dwte, int dwteOff, float[] dwpe, int dwpeOff) {
        for (int t = 0; t < tokens.length; t++) {
            addRow(dout, t * d, dwte, dwteOff + tokens[t] * d, d);
            addRow(dout, t * d, dwpe, dwpeOff + (t % seq) * d, d);
        }
    }

    private static void addRow(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] += x[xo + i];
    }
}
