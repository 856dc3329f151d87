package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
        int rows = cache.rows(), len = cache.length(), hd = spec.headDim, slots = cache.slots();
        float[] kc = cache.keys(layer), vc = cache.values(layer);
        for (int r = 0; r < rows; r++) {
            int p = cache.physical(r);
            for (int t = 0; t < steps; t++) {
                int token = r * steps + t;
                for (int h = 0; h < spec.kvHeads; h++) {
                    int dst = ((p * spec.kvHeads + h) * slots + len + t) * hd;
                    System.arraycopy(k.data(), k.at(token, h), kc, dst, hd);
                    System.arraycopy(v.data(), v.at(token, h), vc, dst, hd);
                }
            }
        }
        int group = spec.heads / spec.kvHeads;
        Parallel.forEach(rows * spec.heads, task -> {
            int r = task / spec.heads, h = task % spec.heads;
            int p = cache.physical(r);
            int base = (p * spec.kvHeads + h / group) * slots;
            float[] w = new float[len + steps];
            for (int t = 0; t < steps; t++) {
                int slot = len + t, token = r * steps + t;
                int o = token * spec.heads * hd + h * hd;
                java.util.Arrays.fill(out, o, o + hd, 0f);
                if (!cache.real(p, slot)) continue;
                int lo = spec.window > 0 ? Math.max(0, slot - spec.window + 1) : 0;
                int qo = q.at(token, h);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = lo; j <= slot; j++) {
                    if (!cache.real(p, j)) {
                        w[j] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    w[j] = dot(q.data(), qo, kc, (base + j) * hd, hd) * spec.scale;
                    max = Math.max(max, w[j]);
                }
                softmax(w, lo, slot + 1, max);
                for (int j = lo; j <= slot; j++)
                    if (w[j] != 0f) axpy(w[j], vc, (base + j) * hd, out, o, hd);
            }
        });
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0f;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int bound = S.loopBound(n); i < bound; i += S.length())
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y[yo ..] += alpha · x[xo ..] over n elements. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, x, xo + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /** w[from, to) = softmax(w[from, to)) given its max: exp(w − max) / Σ, as torch computes it in float32. */
    public static void softmax(float[] w, int from, int to, float max) {
        FloatVector sum = FloatVector.zero(S);
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, w, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(w, i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            w[i] = (float) Math.exp(w[i] - max);
            total += w[i];
        }
        i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length())
            FloatVector.fromArray(S, w, i).div(total).intoArray(w, i);
        for (; i < to; i++) w[i] /= total;
    }
}
