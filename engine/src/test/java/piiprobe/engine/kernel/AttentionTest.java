package piiprobe.engine.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Attention against a float64 reference written from its definition, over head sizes that are not
 * whole blocks (the cache pads them) or span several blocks, grouped-query heads, windows and
 * padding slots, for a prefill of several slots followed by steps of one slot or more; the longer runs
 * cross several blocks of cache slots, with windows that start inside a block, and make the cache
 * grow when its last block is full and when it is not.
 */
class AttentionTest {
    /** Every token's q, k, v for all steps; the reference recomputes attention from them. */
    private record Run(int rows, int total, Attention.Spec spec, float[][] q, float[][] k, float[][] v, boolean[][] real) {
        /** Output of row r at slot i, head h, element e, by the definition. */
        double expected(int r, int i, int h, int e) {
            if (!real[r][i]) return 0;
            int hd = spec.headDim(), kvh = h / (spec.heads() / spec.kvHeads());
            int lo = spec.window() > 0 ? Math.max(0, i - spec.window() + 1) : 0;
            double max = Double.NEGATIVE_INFINITY;
            double[] s = new double[i + 1];
            for (int j = lo; j <= i; j++) {
                if (!real[r][j]) continue;
                double dot = 0;
                for (int d = 0; d < hd; d++) dot += (double) q[r][(i * spec.heads() + h) * hd + d] * k[r][(j * spec.kvHeads() + kvh) * hd + d];
                s[j] = dot * spec.scale();
                max = Math.max(max, s[j]);
            }
            double z = 0, out = 0;
            for (int j = lo; j <= i; j++) {
                if (!real[r][j]) continue;
                double p = Math.exp(s[j] - max);
                z += p;
                out += p * v[r][(j * spec.kvHeads() + kvh) * hd + e];
            }
            return out / z;
        }
    }

    @ParameterizedTest
    @CsvSource({
            "2, 4, 4, 4, 0, 0, 7, 4, 1, 11", // tiny head: one partial block
            "3, 6, 2, 80, 0, 2, 7, 4, 1, 11", // two blocks, the second partial; grouped heads; left padding
            "2, 2, 1, 128, 5, 1, 7, 4, 1, 11", // two whole blocks; a window shorter than the sequence
            "1, 3, 3, 64, 0, 0, 7, 4, 1, 11",
            "2, 4, 2, 64, 21, 3, 20, 30, 1, 300", // many slot blocks, a window starting mid-block, two regrowths
            "9, 2, 2, 16, 0, 5, 3, 40, 1, 43", // more rows than tasks per thread: one task per row
            "2, 2, 2, 64, 0, 1, 9, 45, 9, 300", // steps of 9 slots: the cache grows with its last block half full
    })
    void matchesTheDefinition(int rows, int heads, int kvHeads, int hd, int window, int pads, int prefill, int decode, int chunk, int capacity) {
        SplittableRandom rnd = new SplittableRandom(rows * 1000L + hd);
        int total = prefill + decode;
        Attention.Spec spec = new Attention.Spec(heads, kvHeads, hd, (float) (1 / Math.sqrt(hd)), window);
        float[][] q = new float[rows][total * heads * hd], k = new float[rows][total * kvHeads * hd], v = new float[rows][total * kvHeads * hd];
        boolean[][] real = new boolean[rows][total];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < q[r].length; i++) q[r][i] = (float) rnd.nextGaussian();
            for (int i = 0; i < k[r].length; i++) k[r][i] = (float) rnd.nextGaussian();
            for (int i = 0; i < v[r].length; i++) v[r][i] = (float) rnd.nextGaussian();
            for (int i = 0; i < total; i++) real[r][i] = i >= (r == 0 ? 0 : pads); // row 0 unpadded, others left-padded
        }
        Run run = new Run(rows, total, spec, q, k, v, real);
        KvStore cache = new KvStore(this, 1, kvHeads, hd, rows, capacity);
        step(run, cache, 0, prefill);
        for (int s = prefill; s < total; s += chunk) step(run, cache, s, Math.min(chunk, total - s));
    }

    /** Runs slots [from, from + steps) of every row through attention and checks each output. */
    private static void step(Run run, KvStore cache, int from, int steps) {
        Attention.Spec spec = run.spec;
        int hd = spec.headDim(), qw = spec.heads() * hd, kw = spec.kvHeads() * hd, n = run.rows * steps;
        // q, k and v side by side per token, as a fused projection writes them.
        float[] qkv = new float[n * (qw + 2 * kw)];
        boolean[] real = new boolean[n];
        for (int r = 0; r < run.rows; r++)
            for (int t = 0; t < steps; t++) {
                int token = r * steps + t, slot = from + t, o = token * (qw + 2 * kw);
                System.arraycopy(run.q[r], slot * qw, qkv, o, qw);
                System.arraycopy(run.k[r], slot * kw, qkv, o + qw, kw);
                System.arraycopy(run.v[r], slot * kw, qkv, o + qw + kw, kw);
                real[token] = run.real[r][slot];
            }
        int width = qw + 2 * kw;
        float[] out = new float[n * qw];
        cache.open(steps, real);
        Attention.forward(cache, 0, steps, spec, new Heads(qkv, width, 0, hd), new Heads(qkv, width, qw, hd), new Heads(qkv, width, qw + kw, hd), out);
        cache.advance(steps);
        for (int r = 0; r < run.rows; r++)
            for (int t = 0; t < steps; t++)
                for (int h = 0; h < spec.heads(); h++)
                    for (int e = 0; e < hd; e++)
                        assertEquals(run.expected(r, from + t, h, e), out[(r * steps + t) * qw + h * hd + e], 2e-5,
                                "row " + r + " slot " + (from + t) + " head " + h + " dim " + e);
    }
}
