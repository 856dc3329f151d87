package piiprobe.engine.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.checkpoint.TensorRef;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packed GEMM against a float64 reference, over shapes that hit every edge (row tails, partial panels, K blocks). */
class PackedMatrixTest {
    /** A tensor in memory holding {@code values} rounded to {@code dtype}; returns the rounded values too. */
    static TensorRef tensor(Arena arena, String name, DType dtype, long[] shape, float[] values) {
        MemorySegment seg = arena.allocate((long) values.length * dtype.bytes());
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            switch (dtype) {
                case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
                case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
                case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        TensorRef t = new TensorRef(name, dtype, shape, seg, Path.of("memory.safetensors"));
        for (int i = 0; i < values.length; i++) values[i] = t.get(i);
        return t;
    }

    static float[] gaussian(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    @ParameterizedTest
    @CsvSource({"1, 3, 1, F32", "5, 17, 65, F32", "4, 256, 64, F32", "70, 300, 130, F32", "9, 1000, 40, F16", "16, 260, 200, BF16", "3, 64, 1000, BF16", "12, 1600, 130, F32", "7, 70, 33, F16", "5, 800, 70, BF16", "8, 100, 97, F32", "15, 770, 49, BF16"})
    void multiplyMatchesFloat64Reference(int rows, int in, int out, DType dtype) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + in * 7L + out);
        try (Arena arena = Arena.ofShared()) {
            // Two parts side by side: an nn.Linear [out1, in] and a Conv1D [in, out2].
            int out1 = out / 2 + 1, out2 = out - out1 + 1;
            float[] w1 = gaussian(rnd, out1 * in), w2 = gaussian(rnd, in * out2);
            TensorRef t1 = tensor(arena, "a", dtype, new long[] {out1, in}, w1), t2 = tensor(arena, "b", dtype, new long[] {in, out2}, w2);
            PackedMatrix m = PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(t1, true), new PackedMatrix.Part(t2, false)));
            int cols = out1 + out2;
            assertEquals(in, m.in());
            assertEquals(cols, m.out());
            assertEquals(dtype, m.dtype());
            float[] x = gaussian(rnd, rows * in), bias = gaussian(rnd, cols), y = gaussian(rnd, rows * cols), y0 = y.clone();
            float[] fresh = new float[rows * cols];
            m.multiply(x, rows, bias, fresh);
            m.multiplyAdd(x, rows, bias, y);
            for (int r = 0; r < rows; r++)
                for (int n = 0; n < cols; n++) {
                    double ref = bias[n], mag = Math.abs(bias[n]);
                    for (int k = 0; k < in; k++) {
                        double w = n < out1 ? w1[n * in + k] : w2[k * out2 + (n - out1)];
                        ref += x[r * in + k] * w;
                        mag += Math.abs(x[r * in + k] * w);
                    }
                    double tol = 1e-6 * mag + 1e-6;
                    assertEquals(ref, fresh[r * cols + n], tol, "y[" + r + "," + n + "]");
                    assertEquals(ref + y0[r * cols + n], y[r * cols + n], tol + 1e-6 * Math.abs(y0[r * cols + n]), "y+=[" + r + "," + n + "]");
                }
        }
    }

    /**
     * A row's result is the same to the bit whether it is computed alone or among 4 to 37 rows (a
     * decoding step or a prompt, a row group's tail or not): a prediction does not depend on its batch.
     */
    @ParameterizedTest
    @CsvSource({"F32", "BF16", "F16"})
    void rowsDoNotDependOnTheirBatch(DType dtype) {
        SplittableRandom rnd = new SplittableRandom(11);
        int in = 300, out = 200;
        try (Arena arena = Arena.ofShared()) {
            TensorRef t = tensor(arena, "w", dtype, new long[] {out, in}, gaussian(rnd, out * in));
            PackedMatrix m = PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(t, true)));
            float[] x = gaussian(rnd, 37 * in), bias = gaussian(rnd, out);
            for (int rows : new int[] {37, 16, 9, 5, 4}) {
                float[] all = gaussian(rnd, rows * out), added = all.clone();
                m.multiply(x, rows, bias, all);
                m.multiplyAdd(x, rows, bias, added);
                for (int r = 0; r < rows; r++) {
                    float[] row = Arrays.copyOfRange(x, r * in, (r + 1) * in), alone = new float[out];
                    m.multiply(row, 1, bias, alone);
                    assertArrayEquals(alone, Arrays.copyOfRange(all, r * out, (r + 1) * out), "row " + r + " among " + rows);
                }
                assertTrue(!Arrays.equals(all, added), "multiplyAdd adds to y");
            }
        }
    }

    /** The LM head's form: each row into its own array, equal to the bit to the row-major product, and checked for length. */
    @ParameterizedTest
    @CsvSource({"F32, 16", "F32, 3", "BF16, 16", "F16, 7"})
    void multiplyRowsWritesEachRowIntoItsOwnArray(DType dtype, int rows) {
        SplittableRandom rnd = new SplittableRandom(rows);
        int in = 260, out = 150;
        try (Arena arena = Arena.ofShared()) {
            PackedMatrix m = PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(tensor(arena, "w", dtype, new long[] {out, in}, gaussian(rnd, out * in)), true)));
            float[] x = gaussian(rnd, rows * in), flat = new float[rows * out];
            m.multiply(x, rows, null, flat);
            float[][] own = new float[rows][];
            for (int r = 0; r < rows; r++) own[r] = gaussian(rnd, out); // overwritten, not added to
            m.multiplyRows(x, rows, own);
            for (int r = 0; r < rows; r++) assertArrayEquals(Arrays.copyOfRange(flat, r * out, (r + 1) * out), own[r], "row " + r);
            own[rows - 1] = new float[out - 1];
            assertThrows(IllegalArgumentException.class, () -> m.multiplyRows(x, rows, own));
        }
    }

    @Test
    void partsMustAgreeOnDtypeAndInputs() {
        try (Arena arena = Arena.ofShared()) {
            TensorRef a = tensor(arena, "q", DType.F32, new long[] {4, 8}, new float[32]);
            TensorRef b = tensor(arena, "k", DType.BF16, new long[] {4, 8}, new float[32]);
            TensorRef c = tensor(arena, "v", DType.F32, new long[] {4, 6}, new float[24]);
            UserError dt = assertThrows(UserError.class, () -> PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(a, true), new PackedMatrix.Part(b, true))));
            assertTrue(dt.getMessage().contains("tensor 'k' is BF16 but 'q' is F32"), dt.getMessage());
            UserError in = assertThrows(UserError.class, () -> PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(a, true), new PackedMatrix.Part(c, true))));
            assertTrue(in.getMessage().contains("tensor 'v' has shape [4, 6], which does not fit 8 inputs"), in.getMessage());
        }
    }
}
