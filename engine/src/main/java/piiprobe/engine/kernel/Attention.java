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
    /** Slots per block of the {@link KvStore}: one vector of scores. */
    static final int SLOTS = L;

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
        int rows = cache.rows(), len = cache.length(), hd = spec.headDim, stride = cache.stride();
        float[] kc = cache.keys(layer), vc = cache.values(layer);
        int group = spec.heads / spec.kvHeads;
        // A task is one row's slice of kv heads. With enough rows the slice is all of them, and the
        // task reads the row's keys, then its values, front to back as two streams; a stream per
        // head was too short to run at the memory's speed. With few rows, slices keep every thread busy.
        int chunks = Math.min(spec.kvHeads, Math.ceilDiv(4 * Parallel.threads(), rows));
        Parallel.forEach(rows * chunks, task -> {
            int r = task / chunks, c = task % chunks;
            int g0 = c * spec.kvHeads / chunks, g1 = (c + 1) * spec.kvHeads / chunks, h0 = g0 * group, nh = (g1 - g0) * group;
            int p = cache.physical(r);
            // Each task stores its own slice of the new keys and values: the lines it writes are the
            // ones it reads next, and a transposed key's 64 scattered stores would stall one thread.
            for (int t = 0; t < steps; t++)
                for (int h = g0; h < g1; h++) {
                    int token = r * steps + t;
                    cache.put(layer, p, len + t, h, k.data(), k.at(token, h), v.data(), v.at(token, h), hd);
                }
            int span = Math.ceilDiv(len + steps, SLOTS) * SLOTS;
            Slice slice = new Slice(nh, group, cache.headAt(p, 0, g0), cache.blockFloats(), cache.headFloats(), stride, span);
            float[] w = new float[nh * span], qs = new float[nh * stride], acc = new float[nh * stride], norms = new float[nh];
            boolean padded = !cache.allReal(p, 0, len + steps);
            for (int t = 0; t < steps; t++) {
                int slot = len + t, token = r * steps + t, o = token * spec.heads * hd + h0 * hd;
                if (!cache.real(p, slot)) {
                    Arrays.fill(out, o, o + nh * hd, 0f);
                    continue;
                }
                int lo = spec.window > 0 ? Math.max(0, slot - spec.window + 1) : 0;
                for (int i = 0; i < nh; i++) System.arraycopy(q.data(), q.at(token, h0 + i), qs, i * stride, hd);
                scores(slice, qs, kc, lo, slot, w);
                for (int i = 0; i < nh; i++) {
                    int at = i * span;
                    float max = padded ? maskAndScale(w, at, lo, slot + 1, spec.scale, cache, p) : scale(w, at + lo, at + slot + 1, spec.scale);
                    norms[i] = 1f / exp(w, at + lo, at + slot + 1, max);
                }
                weightedValues(slice, w, vc, lo, slot, acc);
                for (int i = 0; i < nh; i++) {
                    int a = i * stride;
                    for (int e = 0; e < stride; e += L) FloatVector.fromArray(S, acc, a + e).mul(norms[i]).intoArray(acc, a + e);
                    System.arraycopy(acc, a, out, o + i * hd, hd);
                }
            }
        });
    }

    /**
     * The query heads a task attends with, and where their kv heads sit in the cache: head i reads kv
     * head i / group, whose part of block b starts at first + b·blockFloats + (i / group)·headFloats.
     * Each head's scores are w[i·span + slot].
     */
    private record Slice(int heads, int group, int first, int blockFloats, int headFloats, int stride, int span) {
        int kvPart(int block, int head) {
            return first + block * blockFloats + (group == 1 ? head : head / group) * headFloats;
        }
    }

    /** The KV cache's floats per slot of one head: {@code headDim} rounded up to whole blocks. */
    static int padded(int headDim) {
        return (headDim + BLOCK - 1) / BLOCK * BLOCK;
    }

    /**
     * w[i·span + j] = q_i·k_j for each query head i of a slice and the slots j of the blocks that
     * cover [lo, hi] (lanes outside it are computed and ignored). A block's keys are transposed, so
     * its scores are Σ_d q[d]·k[d][·], summed over d in four interleaved chains and then pairwise;
     * blocks outer and heads inner reads the keys front to back.
     */
    private static void scores(Slice s, float[] q, float[] kc, int lo, int hi, float[] w) {
        for (int b = lo / SLOTS; b <= hi / SLOTS; b++) {
            for (int i = 0; i < s.heads; i++) {
                int ko = s.kvPart(b, i), qo = i * s.stride;
                FloatVector a0 = FloatVector.fromArray(S, kc, ko).mul(q[qo]);
                FloatVector a1 = FloatVector.fromArray(S, kc, ko + SLOTS).mul(q[qo + 1]);
                FloatVector a2 = FloatVector.fromArray(S, kc, ko + 2 * SLOTS).mul(q[qo + 2]);
                FloatVector a3 = FloatVector.fromArray(S, kc, ko + 3 * SLOTS).mul(q[qo + 3]);
                for (int d = 4; d < s.stride; d += 4) {
                    int kd = ko + d * SLOTS;
                    a0 = FloatVector.fromArray(S, kc, kd).fma(FloatVector.broadcast(S, q[qo + d]), a0);
                    a1 = FloatVector.fromArray(S, kc, kd + SLOTS).fma(FloatVector.broadcast(S, q[qo + d + 1]), a1);
                    a2 = FloatVector.fromArray(S, kc, kd + 2 * SLOTS).fma(FloatVector.broadcast(S, q[qo + d + 2]), a2);
                    a3 = FloatVector.fromArray(S, kc, kd + 3 * SLOTS).fma(FloatVector.broadcast(S, q[qo + d + 3]), a3);
                }
                a0.add(a1).add(a2.add(a3)).intoArray(w, i * s.span + b * SLOTS);
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

    /** Like {@link #scale} over slots [from, to) of a head whose scores start at w[at], with the scores of padding slots set to −∞. */
    private static float maskAndScale(float[] w, int at, int from, int to, float scale, KvStore cache, int p) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) m = Math.max(m, w[at + i] = cache.real(p, i) ? w[at + i] * scale : Float.NEGATIVE_INFINITY);
        return m;
    }

    /**
     * acc_i = Σ_j w[i·span + j] · v_j over [lo, hi] for each query head i of a slice, blocks outer and
     * heads inner like {@link #scores}. A head's sums stay in registers within a block and wait in
     * acc between blocks, so each is added up in slot order.
     */
    private static void weightedValues(Slice s, float[] w, float[] vc, int lo, int hi, float[] acc) {
        Arrays.fill(acc, 0, s.heads * s.stride, 0f);
        for (int b = lo / SLOTS; b <= hi / SLOTS; b++) {
            int from = Math.max(lo, b * SLOTS), to = Math.min(hi, b * SLOTS + SLOTS - 1);
            for (int i = 0; i < s.heads; i++) {
                int vo = s.kvPart(b, i) - b * SLOTS * s.stride, wo = i * s.span, ao = i * s.stride;
                for (int c = 0; c < s.stride; c += BLOCK) {
                    FloatVector o0 = FloatVector.fromArray(S, acc, ao + c), o1 = FloatVector.fromArray(S, acc, ao + c + L);
                    FloatVector o2 = FloatVector.fromArray(S, acc, ao + c + 2 * L), o3 = FloatVector.fromArray(S, acc, ao + c + 3 * L);
                    for (int j = from; j <= to; j++) {
                        FloatVector wj = FloatVector.broadcast(S, w[wo + j]);
                        int vj = vo + j * s.stride + c;
                        o0 = FloatVector.fromArray(S, vc, vj).fma(wj, o0);
                        o1 = FloatVector.fromArray(S, vc, vj + L).fma(wj, o1);
                        o2 = FloatVector.fromArray(S, vc, vj + 2 * L).fma(wj, o2);
                        o3 = FloatVector.fromArray(S, vc, vj + 3 * L).fma(wj, o3);
                    }
                    o0.intoArray(acc, ao + c);
                    o1.intoArray(acc, ao + c + L);
                    o2.intoArray(acc, ao + c + 2 * L);
                    o3.intoArray(acc, ao + c + 3 * L);
                }
            }
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
