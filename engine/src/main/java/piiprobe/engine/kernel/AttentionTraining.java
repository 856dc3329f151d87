package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Causal multi-head self-attention for training, over whole sequences: {@code batch} sequences of
 * {@code seq} tokens, each token's projections laid out as GPT-2's c_attn writes them, [q | k | v]
 * with heads side by side ({@code 3·heads·headDim} floats per token). The forward pass keeps the
 * attention probabilities, which the backward pass needs.
 *
 * <p>One task per (sequence, head); within it every product (Q·Kᵀ, P·V and the backward pass's
 * four) runs on {@link Gemm}'s micro-kernel in blocks of {@value #BLOCK} query rows, each block
 * stopping at the last key its rows may see, so the causal triangle costs little more than half the
 * square. Every sum runs in a fixed order whatever the thread count.
 */
public final class AttentionTraining {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Query rows per block: the micro-kernel's panel width, so a block's keys end on a panel. */
    private static final int BLOCK = Gemm.PANEL;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private AttentionTraining() {}

    /**
     * out[token, h·headDim + e] = Σ_j≤t softmax_j(q_t · k_j · scale) · v_j[e] for every head h;
     * probs[(b·heads + h)·seq·seq + t·seq + j] keeps the softmax (zero for j > t).
     */
    public static void forward(float[] qkv, float[] out, float[] probs, int batch, int seq, int heads, int headDim, float scale) {
        int d = heads * headDim, stride = 3 * d;
        check(qkv, out, probs, batch, seq, d, heads);
        Parallel.forEach(batch * heads, task -> {
            int b = task / heads, h = task % heads;
            int q = b * seq * stride + h * headDim, k = q + d, v = q + 2 * d, p = task * seq * seq;
            for (int r0 = 0; r0 < seq; r0 += BLOCK) {
                int rows = Math.min(BLOCK, seq - r0), keys = r0 + rows;
                // scores of the block's queries against keys 0 .. keys−1 (Kᵀ read in place: column j is key j)
                Gemm.strided(qkv, q + r0 * stride, stride, 1, qkv, k, 1, stride, probs, p + r0 * seq, seq, rows, keys, headDim, false);
                for (int t = r0; t < keys; t++) softmax(probs, p + t * seq, t + 1, seq, scale);
                Gemm.strided(probs, p + r0 * seq, seq, 1, qkv, v, stride, 1, out, (b * seq + r0) * d + h * headDim, d,
                        rows, headDim, keys, false);
            }
        });
    }

    /**
     * The backward pass of {@link #forward}: writes dqkv (same layout as qkv) from dout and the kept
     * probabilities. Softmax's gradient: dS_j = P_j · (dP_j − Σ_i P_i · dP_i), with dP_j = dout_t · v_j;
     * then dQ = dS·K·scale, dK = dSᵀ·Q·scale, dV = Pᵀ·dout.
     */
    public static void backward(float[] dout, float[] qkv, float[] probs, float[] dqkv, int batch, int seq, int heads,
                                int headDim, float scale) {
        int d = heads * headDim, stride = 3 * d;
        check(qkv, dout, probs, batch, seq, d, heads);
        if (dqkv.length < (long) batch * seq * stride) throw new IllegalArgumentException("attention backward: dqkv too short");
        Parallel.forEach(batch * heads, task -> {
            int b = task / heads, h = task % heads;
            int q = b * seq * stride + h * headDim, k = q + d, v = q + 2 * d, p = task * seq * seq;
            int go = b * seq * d + h * headDim;
            float[] ds = scratch(seq * seq);
            for (int r0 = 0; r0 < seq; r0 += BLOCK) {
                int rows = Math.min(BLOCK, seq - r0), keys = r0 + rows;
                Gemm.strided(dout, go + r0 * d, d, 1, qkv, v, 1, stride, ds, r0 * seq, seq, rows, keys, headDim, false);
                for (int t = r0; t < keys; t++) softmaxBackward(probs, p + t * seq, ds, t * seq, t + 1, seq, scale);
                Gemm.strided(ds, r0 * seq, seq, 1, qkv, k, stride, 1, dqkv, q + r0 * stride, stride, rows, headDim, keys, false);
            }
            // key and value gradients of block j0 sum over the queries t >= j0 that see it
            for (int j0 = 0; j0 < seq; j0 += BLOCK) {
                int cols = Math.min(BLOCK, seq - j0), queries = seq - j0;
                Gemm.strided(ds, j0 * seq + j0, 1, seq, qkv, q + j0 * stride, stride, 1, dqkv, k + j0 * stride, stride,
                        cols, headDim, queries, false);
                Gemm.strided(probs, p + j0 * seq + j0, 1, seq, dout, go + j0 * d, d, 1, dqkv, v + j0 * stride, stride,
                        cols, headDim, queries, false);
            }
        });
    }

    /** Floating-point operations of one forward pass (the two products over the causal triangle). */
    public static long forwardFlops(int batch, int seq, int heads, int headDim) {
        return 2L * 2 * batch * heads * headDim * ((long) seq * (seq + 1) / 2);
    }

    private static void check(float[] qkv, float[] out, float[] probs, int batch, int seq, int d, int heads) {
        long tokens = (long) batch * seq;
        if (qkv.length < tokens * 3 * d || out.length < tokens * d || probs.length < tokens * heads * seq)
            throw new IllegalArgumentException("attention over " + batch + "×" + seq + " tokens: arrays too short");
    }

    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) SCRATCH.set(s = new float[n]);
        return s;
    }

    /**
     * Row w[o .. o+len) of raw scores becomes softmax(scores · scale) over its first n entries (the keys
     * the query sees) and zeros after, as torch computes it: exp(x − max) / Σ.
     */
    private static void softmax(float[] w, int o, int n, int len, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, w[o + j] *= scale);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector e = ReproducibleMath.exp(FloatVector.fromArray(S, w, o + i).sub(max));
            e.intoArray(w, o + i);
            acc = acc.add(e);
        }
        float total = ReproducibleMath.sum(acc);
        for (; i < n; i++) total += w[o + i] = ReproducibleMath.exp(w[o + i] - max);
        i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, w, o + i).div(total).intoArray(w, o + i);
        for (; i < n; i++) w[o + i] /= total;
        Arrays.fill(w, o + n, o + len, 0f);
    }

    /**
     * Row ds[o .. o+len), holding dP over the first n keys, becomes the gradient of the unscaled scores:
     * scale · P · (dP − Σ P·dP), zeros after n.
     */
    private static void softmaxBackward(float[] probs, int po, float[] ds, int o, int n, int len, float scale) {
        float pdp = ReproducibleMath.dot(probs, po, ds, o, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector dp = FloatVector.fromArray(S, ds, o + i).sub(pdp);
            dp.mul(FloatVector.fromArray(S, probs, po + i)).mul(scale).intoArray(ds, o + i);
        }
        for (; i < n; i++) ds[o + i] = (ds[o + i] - pdp) * probs[po + i] * scale;
        Arrays.fill(ds, o + n, o + len, 0f);
    }
}
