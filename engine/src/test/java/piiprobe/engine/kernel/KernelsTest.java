package piiprobe.engine.kernel;

import org.junit.jupiter.api.Test;
import piiprobe.engine.checkpoint.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The element-wise kernels and the pool against float64 references. */
class KernelsTest {
    @Test
    void widensEveryHalfPatternExactly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(65536 * 2), dst = arena.allocate(65536 * 4);
            for (int i = 0; i < 65536; i++) src.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) i);
            Widen.toFloat(src, DType.F16, 0, dst, 0, 65536);
            for (int i = 0; i < 65536; i++) {
                float expected = Float.float16ToFloat((short) i), got = dst.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                if (Float.isNaN(expected)) assertTrue(Float.isNaN(got), "f16 NaN " + i);
                else assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), "f16 " + i);
            }
            Widen.toFloat(src, DType.BF16, 0, dst, 0, 65536);
            for (int i = 0; i < 65536; i++) assertEquals(i << 16, dst.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i), "bf16 " + i);
            Widen.toFloat(src, DType.F16, 3, dst, 4, 21); // unaligned start, vector body plus scalar tail
            for (int i = 0; i < 21; i++)
                assertEquals(Float.float16ToFloat((short) (i + 3)), dst.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i + 1));
        }
    }

    /** erf by its Taylor series in float64 (exact enough for |z| ≤ 5), 1 outside. */
    static double erf(double z) {
        if (Math.abs(z) > 5) return Math.signum(z);
        double sum = 0, term = z;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void activationsMatchTheirDefinitions() {
        int n = 4001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = -10 + 20f * i / (n - 1);
        for (Activation a : Activation.values()) {
            float[] y = xs.clone();
            a.apply(y, n);
            for (int i = 0; i < n; i++) {
                double x = xs[i];
                double ref = switch (a) {
                    case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
                    case GELU_NEW -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
                    case GELU_FAST -> 0.5 * x * (1 + Math.tanh(0.7978845608 * x * (1 + 0.044715 * x * x)));
                    case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
                    case SILU -> x / (1 + Math.exp(-x));
                    case RELU -> Math.max(0, x);
                };
                assertEquals(ref, y[i], 4e-7 * Math.max(1, Math.abs(x)) + 1e-6 * Math.abs(ref), a + "(" + x + ")");
            }
        }
        assertEquals(Activation.GELU_NEW, Activation.byName("gelu_pytorch_tanh"));
        assertEquals(Activation.SILU, Activation.byName("swish"));
        assertEquals(null, Activation.byName("mish"));
    }

    @Test
    void gatedActivationMultipliesByTheUpProjection() {
        int rows = 3, width = 21;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] gu = new float[rows * 2 * width], out = new float[rows * width];
        for (int i = 0; i < gu.length; i++) gu[i] = (float) rnd.nextGaussian();
        Activation.SILU.gated(gu, rows, width, out);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < width; j++) {
                double g = gu[2 * r * width + j], u = gu[2 * r * width + width + j];
                assertEquals(g / (1 + Math.exp(-g)) * u, out[r * width + j], 1e-6);
            }
    }

    @Test
    void normsMatchFloat64() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int n : new int[] {5, 37, 768}) {
            int rows = 3;
            float[] x = new float[rows * n], w = new float[n], b = new float[n];
            for (int i = 0; i < x.length; i++) x[i] = (float) (3 + 2 * rnd.nextGaussian());
            for (int i = 0; i < n; i++) {
                w[i] = (float) (1 + 0.1 * rnd.nextGaussian());
                b[i] = (float) (0.1 * rnd.nextGaussian());
            }
            float[] ln = new float[x.length], rms = new float[x.length];
            Norm.layerNorm(x, ln, rows, n, w, b, 1e-5f);
            Norm.rmsNorm(x, rms, rows, n, w, 1e-6f);
            for (int r = 0; r < rows; r++) {
                double mean = 0, sq = 0, var = 0;
                for (int i = 0; i < n; i++) {
                    mean += x[r * n + i];
                    sq += (double) x[r * n + i] * x[r * n + i];
                }
                mean /= n;
                for (int i = 0; i < n; i++) var += Math.pow(x[r * n + i] - mean, 2);
                var /= n;
                for (int i = 0; i < n; i++) {
                    assertEquals((x[r * n + i] - mean) / Math.sqrt(var + 1e-5) * w[i] + b[i], ln[r * n + i], 2e-5, "layerNorm");
                    assertEquals(w[i] * x[r * n + i] / Math.sqrt(sq / n + 1e-6), rms[r * n + i], 2e-5, "rmsNorm");
                }
            }
        }
    }

    @Test
    void softmaxNumeratorsMatchFloat64() {
        float[] w = new float[40];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < w.length; i++) w[i] = (float) (5 * rnd.nextGaussian());
        w[7] = Float.NEGATIVE_INFINITY;
        float[] orig = w.clone();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 2; i < 39; i++) max = Math.max(max, w[i]);
        float sum = Attention.exp(w, 2, 39, max);
        double z = 0;
        for (int i = 2; i < 39; i++) {
            double e = Math.exp(orig[i] - max);
            z += e;
            assertEquals(e, w[i], 4e-7 * e + 1e-9);
        }
        assertEquals(z, sum, 1e-6 * z);
        assertEquals(0f, w[7]);
        assertEquals(orig[0], w[0]);
        assertEquals(orig[39], w[39]);
    }

    /** torch.argmax: the first index of the largest value, or of the first NaN. */
    private static int argmaxByDefinition(float[] x) {
        int best = 0;
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(x[i])) return i;
            if (x[i] > x[best]) best = i;
        }
        return best;
    }

    @Test
    void argmaxTakesTheFirstOfTiesAndTheFirstNaN() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n : new int[] {1, 5, 16, 17, 63, 64, 100, 50257}) {
            for (int trial = 0; trial < 20; trial++) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) rnd.nextInt(-3, 4); // few distinct values: many ties
                if (trial % 5 == 1) x[rnd.nextInt(n)] = Float.POSITIVE_INFINITY;
                if (trial % 5 == 2) java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
                if (trial % 5 == 3) x[rnd.nextInt(n)] = Float.NaN;
                if (trial % 5 == 4) {
                    java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
                    x[n - 1] = -0f;
                    x[rnd.nextInt(n)] = 0f;
                }
                assertEquals(argmaxByDefinition(x), Logits.argmax(x), "n " + n + " trial " + trial);
            }
        }
    }

    @Test
    void ropeRotatesPairsHalfADimensionApart() {
        Rope rope = new Rope(4, 10000, Rope.Scaling.NONE, 1, 100);
        float[] x = {1, 2, 3, 4, 5, 6};
        Rope.Angles a = rope.angles(new int[] {3}, 4);
        Rope.rotate(new Heads(x, 6, 0, 6), 1, 1, a);
        double f0 = 3, f1 = 3 / Math.sqrt(10000); // inv_freq = 1, 10000^(-1/2)
        assertEquals(1 * Math.cos(f0) - 3 * Math.sin(f0), x[0], 1e-6);
        assertEquals(2 * Math.cos(f1) - 4 * Math.sin(f1), x[1], 1e-6);
        assertEquals(3 * Math.cos(f0) + 1 * Math.sin(f0), x[2], 1e-6);
        assertEquals(4 * Math.cos(f1) + 2 * Math.sin(f1), x[3], 1e-6);
        assertEquals(5, x[4]);
        assertEquals(6, x[5]);
    }

    @Test
    void poolRunsEveryTaskOnceAndReportsFailures() {
        AtomicIntegerArray seen = new AtomicIntegerArray(1000);
        Parallel.forEach(1000, i -> {
            seen.incrementAndGet(i);
            Parallel.forEach(3, j -> {}); // nested calls run inline
        });
        for (int i = 0; i < 1000; i++) assertEquals(1, seen.get(i));
        AtomicIntegerArray covered = new AtomicIntegerArray(777);
        Parallel.forRange(777, 10, (from, to) -> {
            for (int i = from; i < to; i++) covered.incrementAndGet(i);
        });
        for (int i = 0; i < 777; i++) assertEquals(1, covered.get(i));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forEach(100, i -> {
            if (i == 42) throw new IllegalStateException("task 42");
        }));
        assertEquals("task 42", e.getMessage());
        Parallel.forEach(10, i -> {}); // still usable after a failure
        assertTrue(Parallel.threads() >= 1);
    }
}
