package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.checkpoint.TensorRef;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * A weight matrix W [in, out] (y = x·W) repacked once at load, in its stored dtype, into panels of
 * {@link #PANEL} output columns: panel p holds, for each input k, the PANEL weights W[k, p·PANEL ..]
 * contiguously. A matmul then streams each panel once per block of rows with unit-stride vector
 * loads, whatever the checkpoint layout was (nn.Linear [out, in] or GPT-2's Conv1D [in, out]).
 * The last panel is zero-padded. Half-precision panels are widened block by block into a small
 * per-thread buffer, so no float32 copy of a half-precision model ever exists.
 */
public final class PackedMatrix {
    private static final VectorSpecies<Float> S = Widen.F;
    private static final int L = S.length();
    /** Output columns per panel: four vectors, the width of the micro-kernel. */
    public static final int PANEL = 4 * L;
    /** Inputs per block: a block of a panel (64 KiB in F32 with 512-bit vectors) stays in L1/L2 while every row uses it. */
    private static final int KC = 256;
    /** Rows per task: bounds the x block a task streams and leaves enough tasks to balance. */
    private static final int ROW_CHUNK = 64;
    private static final long PANEL_ROW_BYTES = PANEL * 4L;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(KC * PANEL_ROW_BYTES, 64));

    private final DType dtype;
    private final int in;
    private final int out;
    private final int panels;
    private final MemorySegment data;

    private PackedMatrix(DType dtype, int in, int out, MemorySegment data) {
        this.dtype = dtype;
        this.in = in;
        this.out = out;
        this.panels = (out + PANEL - 1) / PANEL;
        this.data = data;
    }

    /** One checkpoint tensor as a block of output columns: nn.Linear stores it [out, in], Conv1D [in, out]. */
    public record Part(TensorRef tensor, boolean outByIn) {
        int outputs() {
            return (int) tensor.shape()[outByIn ? 0 : 1];
        }

        int inputs() {
            return (int) tensor.shape()[outByIn ? 1 : 0];
        }
    }

    /** Packs the parts side by side (their outputs concatenated, e.g. q | k | v) into memory of {@code arena}. */
    public static PackedMatrix pack(Arena arena, List<Part> parts) {
        Part first = parts.getFirst();
        DType dtype = first.tensor.dtype();
        int in = first.inputs();
        int out = 0;
        for (Part p : parts) {
            if (p.tensor.shape().length != 2)
                throw new UserError(p.tensor.file() + ": tensor '" + p.tensor.name() + "' has shape " + p.tensor.shapeString() + ", expected a matrix");
            if (p.tensor.dtype() != dtype)
                throw new UserError(p.tensor.file() + ": tensor '" + p.tensor.name() + "' is " + p.tensor.dtype() + " but '"
                        + first.tensor.name() + "' is " + dtype + "; a fused projection needs one dtype");
            if (p.inputs() != in)
                throw new UserError(p.tensor.file() + ": tensor '" + p.tensor.name() + "' has shape " + p.tensor.shapeString()
                        + ", which does not fit " + in + " inputs");
            out += p.outputs();
        }
        int panels = (out + PANEL - 1) / PANEL;
        int b = dtype.bytes();
        MemorySegment data = arena.allocate((long) panels * in * PANEL * b, 64);
        int[] partOf = new int[out], colOf = new int[out];
        for (int pi = 0, n = 0; pi < parts.size(); pi++)
            for (int j = 0; j < parts.get(pi).outputs(); j++, n++) {
                partOf[n] = pi;
                colOf[n] = j;
            }
        int totalOut = out;
        Parallel.forEach(panels, p -> {
            for (int lane = 0; lane < PANEL && p * PANEL + lane < totalOut; lane++) {
                int n = p * PANEL + lane;
                Part part = parts.get(partOf[n]);
                MemorySegment src = part.tensor.data();
                int j = colOf[n], partOut = part.outputs();
                for (int k = 0; k < in; k++) {
                    long s = part.outByIn ? (long) j * in + k : (long) k * partOut + j;
                    long d = ((long) p * in + k) * PANEL + lane;
                    if (b == 4) data.set(ValueLayout.JAVA_INT_UNALIGNED, d * 4, src.get(ValueLayout.JAVA_INT_UNALIGNED, s * 4));
                    else data.set(ValueLayout.JAVA_SHORT_UNALIGNED, d * 2, src.get(ValueLayout.JAVA_SHORT_UNALIGNED, s * 2));
                }
            }
        });
        return new PackedMatrix(dtype, in, out, data);
    }

    public DType dtype() {
        return dtype;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    /** Bytes of packed weights (padding included). */
    public long bytes() {
        return data.byteSize();
    }

    /** y = x·W + bias for {@code rows} rows; x is rows × in, y rows × out, both row-major; bias may be null. */
    public void multiply(float[] x, int rows, float[] bias, float[] y) {
        run(x, rows, bias, y, false);
    }

    /** y += x·W + bias (a residual connection folded into the projection). */
    public void multiplyAdd(float[] x, int rows, float[] bias, float[] y) {
        run(x, rows, bias, y, true);
    }

    private void run(float[] x, int rows, float[] bias, float[] y, boolean add) {
        if (x.length < (long) rows * in || y.length < (long) rows * out || (bias != null && bias.length != out))
            throw new IllegalArgumentException("matmul " + rows + "×" + in + " · " + in + "×" + out + ": arrays too short");
        int chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
        if (chunks == 1) {
            // A decoding step: each thread takes one run of adjacent panels and streams its weights in address order.
            int threads = Math.min(Parallel.threads(), panels);
            Parallel.forEach(threads, t -> {
                for (int p = panels * t / threads, end = panels * (t + 1) / threads; p < end; p++) panelTask(x, rows, bias, y, add, 0, p);
            });
            return;
        }
        Parallel.forEach(chunks * panels, task -> panelTask(x, rows, bias, y, add, task / panels, task % panels));
    }

    private void panelTask(float[] x, int rows, float[] bias, float[] y, boolean add, int chunk, int p) {
        int r0 = chunk * ROW_CHUNK, r1 = Math.min(rows, r0 + ROW_CHUNK);
        int c0 = p * PANEL, cols = Math.min(PANEL, out - c0);
        for (int r = r0; r < r1; r++) {
            int o = r * out + c0;
            for (int j = 0; j < cols; j++) y[o + j] = (add ? y[o + j] : 0f) + (bias != null ? bias[c0 + j] : 0f);
        }
        MemorySegment scratch = dtype == DType.F32 ? null : SCRATCH.get();
        // The last panel's columns past the matrix go to a tile: the micro-kernel's stores stay unmasked.
        float[] tile = cols < PANEL ? new float[4 * PANEL] : null;
        for (int k0 = 0; k0 < in; k0 += KC) {
            int kc = Math.min(KC, in - k0);
            long first = ((long) p * in + k0) * PANEL;
            MemorySegment w = data;
            long wOff = first * 4;
            if (scratch != null) {
                Widen.toFloat(data, dtype, first, scratch, 0, kc * PANEL);
                w = scratch;
                wOff = 0;
            }
            for (int r = r0; r < r1; r += 4) {
                int valid = Math.min(4, r1 - r);
                int xa = r * in + k0;
                int xb = valid > 1 ? xa + in : xa, xc = valid > 2 ? xa + 2 * in : xa, xd = valid > 3 ? xa + 3 * in : xa;
                if (tile == null) {
                    micro(x, xa, xb, xc, xd, kc, w, wOff, y, r * out + c0, out, valid);
                } else {
                    Arrays.fill(tile, 0f);
                    micro(x, xa, xb, xc, xd, kc, w, wOff, tile, 0, PANEL, valid);
                    for (int i = 0; i < valid; i++)
                        for (int j = 0; j < cols; j++) y[(r + i) * out + c0 + j] += tile[i * PANEL + j];
                }
            }
        }
    }

    /**
     * The 4-row × PANEL-column kernel: 16 vector accumulators; each k loads the panel's four weight
     * vectors once and broadcasts one x value per row; the sums are added into y's rows. Rows beyond
     * {@code valid} repeat row 0's x and are not stored. Everything stays in this one method: vectors
     * handed to a helper that C2 does not inline get boxed, which cost 10× here.
     */
    private static void micro(float[] x, int xa, int xb, int xc, int xd, int kc, MemorySegment w, long wOff,
                              float[] y, int ya, int yStride, int valid) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int k = 0; k < kc; k++) {
            long o = wOff + k * PANEL_ROW_BYTES;
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, o, Widen.LE);
            FloatVector w1 = FloatVector.fromMemorySegment(S, w, o + 4L * L, Widen.LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, o + 8L * L, Widen.LE);
            FloatVector w3 = FloatVector.fromMemorySegment(S, w, o + 12L * L, Widen.LE);
            FloatVector a = FloatVector.broadcast(S, x[xa + k]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            c03 = w3.fma(a, c03);
            a = FloatVector.broadcast(S, x[xb + k]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            c13 = w3.fma(a, c13);
            a = FloatVector.broadcast(S, x[xc + k]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            c23 = w3.fma(a, c23);
            a = FloatVector.broadcast(S, x[xd + k]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            c32 = w2.fma(a, c32);
            c33 = w3.fma(a, c33);
        }
        int o = ya;
        c00.add(FloatVector.fromArray(S, y, o)).intoArray(y, o);
        c01.add(FloatVector.fromArray(S, y, o + L)).intoArray(y, o + L);
        c02.add(FloatVector.fromArray(S, y, o + 2 * L)).intoArray(y, o + 2 * L);
        c03.add(FloatVector.fromArray(S, y, o + 3 * L)).intoArray(y, o + 3 * L);
        if (valid < 2) return;
        o += yStride;
        c10.add(FloatVector.fromArray(S, y, o)).intoArray(y, o);
        c11.add(FloatVector.fromArray(S, y, o + L)).intoArray(y, o + L);
        c12.add(FloatVector.fromArray(S, y, o + 2 * L)).intoArray(y, o + 2 * L);
        c13.add(FloatVector.fromArray(S, y, o + 3 * L)).intoArray(y, o + 3 * L);
        if (valid < 3) return;
        o += yStride;
        c20.add(FloatVector.fromArray(S, y, o)).intoArray(y, o);
        c21.add(FloatVector.fromArray(S, y, o + L)).intoArray(y, o + L);
        c22.add(FloatVector.fromArray(S, y, o + 2 * L)).intoArray(y, o + 2 * L);
        c23.add(FloatVector.fromArray(S, y, o + 3 * L)).intoArray(y, o + 3 * L);
        if (valid < 4) return;
        o += yStride;
        c30.add(FloatVector.fromArray(S, y, o)).intoArray(y, o);
        c31.add(FloatVector.fromArray(S, y, o + L)).intoArray(y, o + L);
        c32.add(FloatVector.fromArray(S, y, o + 2 * L)).intoArray(y, o + 2 * L);
        c33.add(FloatVector.fromArray(S, y, o + 3 * L)).intoArray(y, o + 3 * L);
    }
}
