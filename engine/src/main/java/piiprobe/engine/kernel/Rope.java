package piiprobe.engine.kernel;

/**
 * Rotary position embeddings in transformers' rotate_half form: within the first {@code dim} dims of
 * a head, element i pairs with element i + dim/2 and turns by position · inv_freq[i], with
 * inv_freq[i] = base^(−2i/dim). The frequencies and angles are computed in float32 the way torch
 * does (so long positions round as they do there); the rest of the head passes through.
 */
public final class Rope {
    /** transformers 4.40's rope_scaling types. */
    public enum Scaling { NONE, LINEAR, DYNAMIC }

    private final int dim;
    private final double base;
    private final Scaling scaling;
    private final double factor;
    private final int maxPositions;
    private final float[] invFreq;

    /**
     * @param factor       rope_scaling's factor (ignored for NONE)
     * @param maxPositions max_position_embeddings, where dynamic NTK scaling starts
     */
    public Rope(int dim, double base, Scaling scaling, double factor, int maxPositions) {
        this.dim = dim;
        this.base = base;
        this.scaling = scaling;
        this.factor = factor;
        this.maxPositions = maxPositions;
        this.invFreq = invFreq(dim, base);
    }

    /** The rotation of each token: cos and sin of token i's angles at [i·dim/2, (i+1)·dim/2). */
    public record Angles(float[] cos, float[] sin, int half) {}

    /**
     * Angles for the given positions. {@code seqLen} is the length dynamic NTK scaling keys on
     * (Llama: max position + 1; GPT-NeoX: keys in the cache after this step): past
     * max_position_embeddings the base grows to base·((factor·seqLen/max) − (factor − 1))^(dim/(dim−2)).
     * transformers 4.40 keeps the grown base for later, shorter calls; here each call starts afresh.
     */
    public Angles angles(int[] positions, int seqLen) {
        float[] inv = invFreq;
        if (scaling == Scaling.DYNAMIC && seqLen > maxPositions)
            inv = invFreq(dim, base * Math.pow(factor * seqLen / maxPositions - (factor - 1), dim / (dim - 2.0)));
        int half = dim / 2;
        float[] cos = new float[positions.length * half], sin = new float[positions.length * half];
        float div = (float) factor;
        for (int t = 0; t < positions.length; t++) {
            float p = scaling == Scaling.LINEAR ? positions[t] / div : positions[t];
            for (int i = 0; i < half; i++) {
                float angle = p * inv[i];
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        return new Angles(cos, sin, half);
    }

    /** 1 / base^(2i/dim), each step rounded to float32 as torch computes it. */
    private static float[] invFreq(int dim, double base) {
        float b = (float) base;
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1f / (float) Math.pow(b, exponent);
        }
        return inv;
    }

    /** Rotates the first 2·a.half() dims of each of {@code heads} heads of every token, in place. */
    public static void rotate(Heads x, int tokens, int heads, Angles a) {
        float[] d = x.data();
        int half = a.half();
        Parallel.forRange(tokens, 64, (from, to) -> {
            for (int t = from; t < to; t++) {
                for (int h = 0; h < heads; h++) {
                    int o = x.at(t, h);
                    for (int i = 0; i < half; i++) {
                        float c = a.cos()[t * half + i], s = a.sin()[t * half + i];
                        float x1 = d[o + i], x2 = d[o + half + i];
                        d[o + i] = x1 * c - x2 * s;
                        d[o + half + i] = x2 * c + x1 * s;
                    }
                }
            }
        });
    }
}
