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
    /** Output columns per panel: three vectors, the width of the micro-kernel. */
    public static final int PANEL = 3 * L;
    /**
     * Rows per call of the micro-kernel: 8 rows × 3 vectors is the largest tile whose 24 accumulators,
     * 3 weight vectors and a broadcast fit AVX-512's 32 registers. A decoding step's 16 rows then take
     * two passes over each block of weights instead of four (4 × 4 tiles), and a k-step issues 24
     * FMAs for 11 loads instead of 16 for 8. Ten interleaved pairs of JVMs, GPT-Neo-125M at
     * batch 16 with 10-token prompts: 843 decode tokens/s on average against 820 with 4 × 4 tiles;
     * six later pairs gave 884 against 860, leaving out the one JVM with a bad compile (see
     * {@link #compileForDecoding}).
     */
    private static final int TILE_ROWS = 8;
    /**
     * Inputs per block: a block of a panel (144 KiB in F32 with 512-bit vectors) stays in L2 while
     * every row group uses it. In a decoding step the first row group streams the block from memory
     * and the second finds it in L2, so longer blocks mean longer unbroken streams: with 768 (all of
     * GPT-2 small's width) GPT-Neo-125M decoded 857 tokens/s at batch 16 against 828 with 256, in
     * twelve interleaved runs each (4 × 4 tiles); 512 gave 816, and a whole 3072-input panel was slower.
     */
    private static final int KC = 768;
    /** Rows per task: bounds the x block a task streams and leaves enough tasks to balance. */
    private static final int ROW_CHUNK = 64;
    /** The micro-kernel's rows of sums, per thread. */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[TILE_ROWS * PANEL]);
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
        if (dtype == DType.F32) compileForDecoding();
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

    private static volatile boolean compiled;

    /**
     * Runs a few thousand decode-shaped (16-row) micro-kernel calls on two small zero matrices, with
     * 768 and 3072 inputs as a GPT-2-small layer has, once per JVM, before the first float32 matrix is
     * packed, so that C2 compiles {@link #micro} from a decoding step's profile. C2 keeps the code of that first compile for the rest of the run, and
     * which calls came first changed its speed. Interleaved runs of one build, GPT-Neo-125M (F32,
     * batch 16, 10-token prompts): 755–789 decode tokens/s with this warm-up, 587–619 without (the
     * earlier kernel, which added into y itself: 641–649 either way). The same warm-up before a
     * bfloat16 model made it slower instead (Pythia-160M, batch 1: 59–64 vs 74–80 tokens/s), so
     * half-precision models skip it. What a bad compile looks like (seen with a capstone-based
     * hsdis): after profile-predicate traps in the loop, C2 recompiles it re-reading the weight
     * segment's session and address for every vector load, 108 instructions per k-step against 40.
     * Warmed on the 768-input matrix alone, the 8 × 3 kernel took such traps in 4 of 11 JVMs, after
     * the warm-up, and decoded at 785–823 tokens/s in those against 862–908 in the others; warmed on
     * both matrices, none of 10 JVMs trapped.
     * Loading GPT-Neo-125M and running its first prefill took 1.34 s with the warm-up and 1.54–1.75 s
     * without.
     */
    private static void compileForDecoding() {
        if (compiled) return;
        synchronized (PackedMatrix.class) {
            if (compiled) return;
            compiled = true;
            int n = 768, rows = 16;
            try (Arena arena = Arena.ofShared()) {
                PackedMatrix square = new PackedMatrix(DType.F32, n, n, arena.allocate((long) n * n * 4, 64));
                PackedMatrix deep = new PackedMatrix(DType.F32, 4 * n, n, arena.allocate(16L * n * n, 64));
                float[] x = new float[rows * 4 * n], y = new float[rows * n];
                for (int i = 0; i < 20; i++) (i % 2 == 0 ? square : deep).multiply(x, rows, null, y);
            }
        }
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
        if (y.length < (long) rows * out) throw tooShort(rows);
        run(x, rows, bias, flatRows(y, rows), flatOffsets(rows), false);
    }

    /** y += x·W + bias (a residual connection folded into the projection). */
    public void multiplyAdd(float[] x, int rows, float[] bias, float[] y) {
        if (y.length < (long) rows * out) throw tooShort(rows);
        run(x, rows, bias, flatRows(y, rows), flatOffsets(rows), true);
    }

    /** y[r] = x[r]·W, each row into its own array (the LM head's logit vectors, with no copy). */
    public void multiplyRows(float[] x, int rows, float[][] y) {
        if (y.length < rows) throw tooShort(rows);
        for (int r = 0; r < rows; r++) if (y[r].length < out) throw tooShort(rows);
        run(x, rows, null, y, new int[rows], false);
    }

    private static float[][] flatRows(float[] y, int rows) {
        float[][] a = new float[rows][];
        Arrays.fill(a, y);
        return a;
    }

    private int[] flatOffsets(int rows) {
        int[] o = new int[rows];
        for (int r = 0; r < rows; r++) o[r] = r * out;
        return o;
    }

    private IllegalArgumentException tooShort(int rows) {
        return new IllegalArgumentException("matmul " + rows + "×" + in + " · " + in + "×" + out + ": arrays too short");
    }

    /** Row r of the result lives in {@code y[r]} from {@code yOff[r]} on. */
    private void run(float[] x, int rows, float[] bias, float[][] y, int[] yOff, boolean add) {
        if (x.length < (long) rows * in || (bias != null && bias.length != out)) throw tooShort(rows);
        int chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
        if (chunks == 1) {
            // A decoding step: each thread takes one run of adjacent panels and streams its weights in address order.
            int threads = Math.min(Parallel.threads(), panels);
            Parallel.forEach(threads, t -> {
                for (int p = panels * t / threads, end = panels * (t + 1) / threads; p < end; p++) panelTask(x, rows, bias, y, yOff, add, 0, p);
            });
            return;
        }
        Parallel.forEach(chunks * panels, task -> panelTask(x, rows, bias, y, yOff, add, task / panels, task % panels));
    }

    private void panelTask(float[] x, int rows, float[] bias, float[][] y, int[] yOff, boolean add, int chunk, int p) {
        int r0 = chunk * ROW_CHUNK, r1 = Math.min(rows, r0 + ROW_CHUNK);
        int c0 = p * PANEL, cols = Math.min(PANEL, out - c0);
        for (int r = r0; r < r1; r++) {
            float[] yr = y[r];
            int o = yOff[r] + c0;
            for (int j = 0; j < cols; j++) yr[o + j] = (add ? yr[o + j] : 0f) + (bias != null ? bias[c0 + j] : 0f);
        }
        MemorySegment scratch = dtype == DType.F32 ? null : SCRATCH.get();
        float[] sums = SUMS.get();
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
            for (int r = r0; r < r1; r += TILE_ROWS) {
                int valid = Math.min(TILE_ROWS, r1 - r);
                if (valid > TILE_ROWS / 2) micro(x, r * in + k0, in, valid, kc, w, wOff, sums);
                else microNarrow(x, r * in + k0, in, valid, kc, w, wOff, sums);
                for (int i = 0; i < valid; i++) {
                    float[] yr = y[r + i];
                    int o = yOff[r + i] + c0, t = i * PANEL;
                    if (cols == PANEL) {
                        for (int j = 0; j < PANEL; j += L)
                            FloatVector.fromArray(S, sums, t + j).add(FloatVector.fromArray(S, yr, o + j)).intoArray(yr, o + j);
                    } else {
                        for (int j = 0; j < cols; j++) yr[o + j] += sums[t + j];
                    }
                }
            }
        }
    }

    /**
     * The 8-row × PANEL-column kernel: 24 vector accumulators; each k loads the panel's three weight
     * vectors once and broadcasts one x value per row. Row i reads x from
     * {@code xa + min(i, valid − 1)·stride}, so rows past the last valid one repeat it and stay in
     * bounds. The sums go to {@code sums} (8 × PANEL), which the caller adds into y: the kernel has no
     * branch and no store that depends on the call, so the code C2 compiles for it is the same
     * whichever calls came first. Everything stays in this one method: vectors handed to a helper
     * that C2 does not inline get boxed, which cost 10× here.
     */
    private static void micro(float[] x, int xa, int stride, int valid, int kc, MemorySegment w, long wOff, float[] sums) {
        int last = valid - 1;
        int x0 = xa, x1 = xa + Math.min(1, last) * stride, x2 = xa + Math.min(2, last) * stride;
        int x3 = xa + Math.min(3, last) * stride, x4 = xa + Math.min(4, last) * stride;
        int x5 = xa + Math.min(5, last) * stride, x6 = xa + Math.min(6, last) * stride, x7 = xa + Math.min(7, last) * stride;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00;
        FloatVector c60 = c00, c61 = c00, c62 = c00;
        FloatVector c70 = c00, c71 = c00, c72 = c00;
        for (int k = 0; k < kc; k++) {
            long o = wOff + k * PANEL_ROW_BYTES;
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, o, Widen.LE);
            FloatVector w1 = FloatVector.fromMemorySegment(S, w, o + 4L * L, Widen.LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, o + 8L * L, Widen.LE);
            FloatVector a = FloatVector.broadcast(S, x[x0 + k]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, x[x1 + k]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, x[x2 + k]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            a = FloatVector.broadcast(S, x[x3 + k]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            c32 = w2.fma(a, c32);
            a = FloatVector.broadcast(S, x[x4 + k]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            c42 = w2.fma(a, c42);
            a = FloatVector.broadcast(S, x[x5 + k]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
            c52 = w2.fma(a, c52);
            a = FloatVector.broadcast(S, x[x6 + k]);
            c60 = w0.fma(a, c60);
            c61 = w1.fma(a, c61);
            c62 = w2.fma(a, c62);
            a = FloatVector.broadcast(S, x[x7 + k]);
            c70 = w0.fma(a, c70);
            c71 = w1.fma(a, c71);
            c72 = w2.fma(a, c72);
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, L);
        c02.intoArray(sums, 2 * L);
        c10.intoArray(sums, 3 * L);
        c11.intoArray(sums, 4 * L);
        c12.intoArray(sums, 5 * L);
        c20.intoArray(sums, 6 * L);
        c21.intoArray(sums, 7 * L);
        c22.intoArray(sums, 8 * L);
        c30.intoArray(sums, 9 * L);
        c31.intoArray(sums, 10 * L);
        c32.intoArray(sums, 11 * L);
        c40.intoArray(sums, 12 * L);
        c41.intoArray(sums, 13 * L);
        c42.intoArray(sums, 14 * L);
        c50.intoArray(sums, 15 * L);
        c51.intoArray(sums, 16 * L);
        c52.intoArray(sums, 17 * L);
        c60.intoArray(sums, 18 * L);
        c61.intoArray(sums, 19 * L);
        c62.intoArray(sums, 20 * L);
        c70.intoArray(sums, 21 * L);
        c71.intoArray(sums, 22 * L);
        c72.intoArray(sums, 23 * L);
    }

    /**
     * {@link #micro} for at most TILE_ROWS / 2 = 4 rows (a batch of one, or a tile's last rows), with
     * half its FMAs. A batch of one in bfloat16 widens each block before the kernel reads it, and
     * 8-row tiles made it compute-bound: Pythia-160M at batch 1, three JVMs each, decoded 59–76
     * tokens/s with 8-row tiles only, 67–87 with this kernel and 64–88 with the earlier 4 × 4 tiles.
     * It is a method of its own, not a row count tested in micro's loop, because that loop must hold
     * no branch that depends on the call.
     */
    private static void microNarrow(float[] x, int xa, int stride, int valid, int kc, MemorySegment w, long wOff, float[] sums) {
        int last = valid - 1;
        int x0 = xa, x1 = xa + Math.min(1, last) * stride, x2 = xa + Math.min(2, last) * stride, x3 = xa + Math.min(3, last) * stride;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        for (int k = 0; k < kc; k++) {
            long o = wOff + k * PANEL_ROW_BYTES;
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, o, Widen.LE);
            FloatVector w1 = FloatVector.fromMemorySegment(S, w, o + 4L * L, Widen.LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, o + 8L * L, Widen.LE);
            FloatVector a = FloatVector.broadcast(S, x[x0 + k]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, x[x1 + k]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, x[x2 + k]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            a = FloatVector.broadcast(S, x[x3 + k]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            c32 = w2.fma(a, c32);
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, L);
        c02.intoArray(sums, 2 * L);
        c10.intoArray(sums, 3 * L);
        c11.intoArray(sums, 4 * L);
        c12.intoArray(sums, 5 * L);
        c20.intoArray(sums, 6 * L);
        c21.intoArray(sums, 7 * L);
        c22.intoArray(sums, 8 * L);
        c30.intoArray(sums, 9 * L);
        c31.intoArray(sums, 10 * L);
        c32.intoArray(sums, 11 * L);
    }
}
