package piiprobe.engine.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three matrix-product layouts against float64 sums, on shapes that end inside a vector, a
 * 4-row tile, a {@value Gemm#PANEL}-column panel and a {@value Gemm#KC}-deep block, with offsets
 * into larger arrays. Each element may differ from the exact sum by float32 rounding of its partial
 * sums: at most k · 2⁻²⁴ · Σ|a·b|, bounded here by 1e-6 · Σ|a·b|.
 */
class GemmTest {
    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,7", "4,16,64", "5,300,70", "67,257,129", "130,513,64", "9,40,200"})
    void productsMatchFloat64(int m, int k, int n) {
        Random rnd = new Random(31L * m + 7L * k + n);
        int off = 3;
        float[] a = random(rnd, off + m * k), b = random(rnd, off + k * n), bias = random(rnd, off + n);
        float[] bt = new float[off + n * k], at = new float[off + k * m];
        for (int i = 0; i < k; i++) for (int j = 0; j < n; j++) bt[off + j * k + i] = b[off + i * n + j];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) at[off + p * m + i] = a[off + i * k + p];
        float[] y0 = random(rnd, off + m * n);

        float[] y = y0.clone();
        Gemm.nn(a, off, b, off, bias, off, y, off, m, k, n, false);
        expect(y, a, b, bias, null, m, k, n, off);
        y = y0.clone();
        Gemm.nn(a, off, b, off, bias, off, y, off, m, k, n, true);
        expect(y, a, b, bias, y0, m, k, n, off);
        y = y0.clone();
        Gemm.nt(a, off, bt, off, y, off, m, k, n, false);
        expect(y, a, b, null, null, m, k, n, off);
        y = y0.clone();
        Gemm.tn(at, off, b, off, y, off, k, m, n, true);
        expect(y, a, b, null, y0, m, k, n, off);
        assertArrayEquals(java.util.Arrays.copyOf(y0, off), java.util.Arrays.copyOf(y, off), "nothing before the offset is touched");
    }

    @Test
    void columnSumsAddToWhatIsThere() {
        Random rnd = new Random(5);
        int rows = 13, n = 70;
        float[] d = random(rnd, rows * n), sums = random(rnd, n + 2), before = sums.clone();
        Gemm.addColumnSums(d, 0, rows, n, sums, 2);
        for (int j = 0; j < n; j++) {
            double s = before[2 + j];
            for (int r = 0; r < rows; r++) s += d[r * n + j];
            assertTrue(Math.abs(sums[2 + j] - s) < 1e-5, "column " + j);
        }
    }

    @Test
    void tooShortArraysAreRefused() {
        float[] small = new float[5];
        assertThrows(IllegalArgumentException.class, () -> Gemm.nn(small, 0, small, 0, null, 0, small, 0, 3, 3, 3, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.tn(small, 2, small, 0, small, 0, 2, 2, 1, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.nn(small, 0, small, 0, small, 4, small, 0, 1, 1, 2, false));
    }

    /** y = a·b (+ bias) (+ y0) within float32 rounding of the partial sums. */
    private static void expect(float[] y, float[] a, float[] b, float[] bias, float[] y0, int m, int k, int n, int off) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[off + i * k + p] * b[off + p * n + j];
                    s += t;
                    abs += Math.abs(t);
                }
                if (bias != null) {
                    s += bias[off + j];
                    abs += Math.abs(bias[off + j]);
                }
                if (y0 != null) {
                    s += y0[off + i * n + j];
                    abs += Math.abs(y0[off + i * n + j]);
                }
                float got = y[off + i * n + j];
                assertTrue(Math.abs(got - s) <= 1e-6 * abs + 1e-30, "element (" + i + ", " + j + "): " + got + " vs " + s);
            }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }
}
