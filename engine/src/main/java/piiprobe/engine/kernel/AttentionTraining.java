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
 * <p>One task per (sequence, head), so every sum runs in a fixed order whatever the thread count.
 * Scores of a query against all earlier keys are computed as a vector over keys (keys transposed
 * into a scratch [headDim][seq] block), never as one dot product per pair.
 */
public final class AttentionTraining {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

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
            int t0 = b * seq, q0 = h * headDim, k0 = d + h * headDim, v0 = 2 * d + h * headDim;
            float[] keys = transposed(qkv, t0, seq, stride, k0, headDim, 0);
            int pBase = task * seq * seq;
            for (int t = 0; t < seq; t++) {
                int p = pBase + t * seq, n = t + 1;
                Arrays.fill(probs, p, p + seq, 0f);
                int qo = (t0 + t) * stride + q0;
                for (int e = 0; e < headDim; e++) Attention.axpy(qkv[qo + e] * scale, keys, e * seq, probs, p, n);
                softmax(probs, p, n);
                int o = (t0 + t) * d + h * headDim;
                Arrays.fill(out, o, o + headDim, 0f);
                for (int j = 0; j < n; j++) Attention.axpy(probs[p + j], qkv, (t0 + j) * stride + v0, out, o, headDim);
            }
        });
    }

    /**
     * The backward pass of {@link #forward}: writes dqkv (same layout as qkv) from dout and the kept
     * probabilities. Softmax's gradient: dS_j = P_j · (dP_j − Σ_i P_i · dP_i), with dP_j = dout_t · v_j.
     */
    public static void backward(float[] dout, float[] qkv, float[] probs, float[] dqkv, int batch, int seq, int heads,
                                int headDim, float scale) {
        int d = heads * headDim, stride = 3 * d;
        check(qkv, dout, probs, batch, seq, d, heads);
        if (dqkv.length < (long) batch * seq * stride) throw new IllegalArgumentException("attention backward: dqkv too short");
        Parallel.forEach(batch * heads, task -> {
            int b = task / heads, h = task % heads;
            int t0 = b * seq, q0 = h * headDim, k0 = d + h * headDim, v0 = 2 * d + h * headDim;
            for (int t = 0; t < seq; t++) {
                int o = (t0 + t) * stride;
                Arrays.fill(dqkv, o + q0, o + q0 + headDim, 0f);
                Arrays.fill(dqkv, o + k0, o + k0 + headDim, 0f);
                Arrays.fill(dqkv, o + v0, o + v0 + headDim, 0f);
            }
            float[] values = transposed(qkv, t0, seq, stride, v0, headDim, 1);
            float[] ds = new float[seq];
            int pBase = task * seq * seq;
            for (int t = 0; t < seq; t++) {
                int p = pBase + t * seq, n = t + 1;
                int go = (t0 + t) * d + h * headDim;
                Arrays.fill(ds, 0, n, 0f);
                for (int e = 0; e < headDim; e++) Attention.axpy(dout[go + e], values, e * seq, ds, 0, n);
                float pdp = ReproducibleMath.dot(probs, p, ds, 0, n);
                // ds_j = scale · P_j · (dP_j − Σ P·dP): the gradient of the scaled score.
                for (int j = 0; j < n; j++) ds[j] = scale * probs[p + j] * (ds[j] - pdp);
                int qo = (t0 + t) * stride + q0;
                for (int j = 0; j < n; j++) {
                    int jo = (t0 + j) * stride;
                    Attention.axpy(ds[j], qkv, jo + k0, dqkv, qo, headDim);        // dq_t += ds_j · k_j
                    Attention.axpy(ds[j], qkv, qo, dqkv, jo + k0, headDim);        // dk_j += ds_j · q_t
                    Attention.axpy(probs[p + j], dout, go, dqkv, jo + v0, headDim); // dv_j += P_j · dout_t
                }
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

    /** The block [headDim][seq] of one head's keys (or values) of one sequence, in this thread's scratch {@code slot}. */
    private static float[] transposed(float[] qkv, int t0, int seq, int stride, int off, int headDim, int slot) {
        float[][] scratch = SCRATCH.get();
        if (scratch[slot].length < seq * headDim) scratch[slot] = new float[seq * headDim];
        float[] m = scratch[slot];
        for (int t = 0; t < seq; t++) {
            int src = (t0 + t) * stride + off;
            for (int e = 0; e < headDim; e++) m[e * seq + t] = qkv[src + e];
        }
        return m;
    }

    /** w[o, o+n) = softmax(w[o, o+n)) = exp(w − max) / Σ, as torch computes it. */
    private static void softmax(float[] w, int o, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, w[o + j]);
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
    }
}
