package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Causal multi-head attention over a {@link KvStore}, for the slots a forward step appends.
 *
 * <p>Masking follows transformers' eager attention: a query sees keys at earlier-or-equal slots that
 * are real (padding is masked out, now and later) and, with a window, only the last {@code window}
 * slots including its own. transformers masks with finfo.min rather than −inf; since every real
 * query sees at least itself, a masked key's weight is exactly 0 either way, which is what we use.
 * A padding slot's query attends to nothing and yields zeros (no real query reads it). Grouped-query
 * attention: query head h reads kv head h / (heads / kvHeads), as repeat_interleave arranges.
 */
public final class Attention {
    private static final VectorSpecies<Float> S = Widen.F;
    private static final int L = S.length();
    /** Head dims per step of the inner loops: four vectors, held in registers. */
    static final int BLOCK = 4 * L;

    private Attention() {}

    /** Shapes and scalars of one attention layer. */
    public record Spec(int heads, int kvHeads, int headDim, float scale, int window) {
        public Spec {
            if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " heads do not group over " + kvHeads + " kv heads");
        }
    }

    /**
     * Stores the new tokens' keys and values into {@code layer} of the cache, then writes each new
     * token's attention output to {@code out} (tokens × heads·headDim, heads side by side).
     *
     * @param steps new slots per row; token i = row·steps + t sits at slot cache.length() + t
     * @param q     queries of the new tokens, already rotated and not yet scaled
     */
    public static void forward(KvStore cache, int layer, int steps, Spec spec, Heads q, Heads k, Heads v, float[] out) {
        int rows = cache.rows(), len = cache.length(), hd = spec.headDim, slots = cache.slots(), stride = cache.stride();
        float[] kc = cache.keys(layer), vc = cache.values(layer);
        for (int r = 0; r < rows; r++) {
            int p = cache.physical(r);
            for (int t = 0; t < steps; t++) {
                int token = r * steps + t;
                for (int h = 0; h < spec.kvHeads; h++) {
                    int dst = ((p * spec.kvHeads + h) * slots + len + t) * stride;
                    System.arraycopy(k.data(), k.at(token, h), kc, dst, hd);
                    System.arraycopy(v.data(), v.at(token, h), vc, dst, hd);
                }
            }
        }
        int group = spec.heads / spec.kvHeads;
        // One task per (row, kv head): the group's query heads and all new slots read that head's keys
        // and values while they sit in L2, so memory streams each cache entry once per step.
        Parallel.forEach(rows * spec.kvHeads, task -> {
            int r = task / spec.kvHeads, g = task % spec.kvHeads;
            int p = cache.physical(r);
            int base = (p * spec.kvHeads + g) * slots;
            float[] w = new float[len + steps], qh = new float[stride], oh = new float[stride];
            boolean padded = !cache.allReal(p, 0, len + steps);
            for (int t = 0; t < steps; t++) {
                int slot = len + t, token = r * steps + t;
                for (int h = g * group; h < (g + 1) * group; h++) {
                    int o = token * spec.heads * hd + h * hd;
                    if (!cache.real(p, slot)) {
                        Arrays.fill(out, o, o + hd, 0f);
                        continue;
                    }
                    int lo = spec.window > 0 ? Math.max(0, slot - spec.window + 1) : 0;
                    System.arraycopy(q.data(), q.at(token, h), qh, 0, hd);
                    scores(qh, kc, base, stride, lo, slot, w);
                    float max = padded ? maskAndScale(w, lo, slot + 1, spec.scale, cache, p) : scale(w, lo, slot + 1, spec.scale);
                    float sum = exp(w, lo, slot + 1, max);
                    weightedValues(w, vc, base, stride, lo, slot, 1f / sum, oh);
                    System.arraycopy(oh, 0, out, o, hd);
                }
            }
        });
    }

    /** The KV cache's floats per slot of one head: {@code headDim} rounded up to whole blocks. */
    static int padded(int headDim) {
        return (headDim + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** w[j] = q·k_j for the keys j in [lo, hi]. One block of q at a time stays in registers while the keys stream past. */
    private static void scores(float[] q, float[] kc, int base, int stride, int lo, int hi, float[] w) {
        for (int c = 0; c < stride; c += BLOCK) {
            FloatVector q0 = FloatVector.fromArray(S, q, c), q1 = FloatVector.fromArray(S, q, c + L);
            FloatVector q2 = FloatVector.fromArray(S, q, c + 2 * L), q3 = FloatVector.fromArray(S, q, c + 3 * L);
            boolean first = c == 0;
            for (int j = lo; j <= hi; j++) {
                int ko = (base + j) * stride + c;
                FloatVector a = FloatVector.fromArray(S, kc, ko).mul(q0);
                FloatVector b = FloatVector.fromArray(S, kc, ko + L).mul(q1);
                a = FloatVector.fromArray(S, kc, ko + 2 * L).fma(q2, a);
                b = FloatVector.fromArray(S, kc, ko + 3 * L).fma(q3, b);
                float s = a.add(b).reduceLanes(VectorOperators.ADD);
                w[j] = first ? s : w[j] + s;
            }
        }
    }

    /** w[from, to) *= scale; returns their max. */
    private static float scale(float[] w, int from, int to, float scale) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(S, w, i).mul(scale);
            s.intoArray(w, i);
            max = max.max(s);
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) m = Math.max(m, w[i] *= scale);
        return m;
    }

    /** Like {@link #scale}, with the scores of padding slots set to −∞. */
    private static float maskAndScale(float[] w, int from, int to, float scale, KvStore cache, int p) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) m = Math.max(m, w[i] = cache.real(p, i) ? w[i] * scale : Float.NEGATIVE_INFINITY);
        return m;
    }

    /** out = norm · Σ_j w[j] · v_j over [lo, hi], one block at a time with the sums in registers. */
    private static void weightedValues(float[] w, float[] vc, int base, int stride, int lo, int hi, float norm, float[] out) {
        for (int c = 0; c < stride; c += BLOCK) {
            FloatVector o0 = FloatVector.zero(S), o1 = o0, o2 = o0, o3 = o0;
            for (int j = lo; j <= hi; j++) {
                FloatVector wj = FloatVector.broadcast(S, w[j]);
                int vo = (base + j) * stride + c;
                o0 = FloatVector.fromArray(S, vc, vo).fma(wj, o0);
                o1 = FloatVector.fromArray(S, vc, vo + L).fma(wj, o1);
                o2 = FloatVector.fromArray(S, vc, vo + 2 * L).fma(wj, o2);
                o3 = FloatVector.fromArray(S, vc, vo + 3 * L).fma(wj, o3);
            }
            o0.mul(norm).intoArray(out, c);
            o1.mul(norm).intoArray(out, c + L);
            o2.mul(norm).intoArray(out, c + 2 * L);
            o3.mul(norm).intoArray(out, c + 3 * L);
        }
    }

    /** w[from, to) = exp(w − max), as torch's softmax computes its numerators in float32; returns their sum. */
    static float exp(float[] w, int from, int to, float max) {
        FloatVector sum = FloatVector.zero(S);
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, w, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(w, i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            w[i] = (float) Math.exp(w[i] - max);
            total += w[i];
        }
        return total;
    }
}
