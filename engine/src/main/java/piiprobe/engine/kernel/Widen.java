package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import piiprobe.engine.checkpoint.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Widens stored F32 / F16 / BF16 values to float32, exactly (every half value is a float). */
public final class Widen {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    private Widen() {}

    /**
     * Writes {@code n} floats to {@code dst} (little-endian, from byte offset {@code dstOffset}), read as
     * {@code type} from {@code src} starting at element {@code srcIndex}.
     */
    public static void toFloat(MemorySegment src, DType type, long srcIndex, MemorySegment dst, long dstOffset, int n) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcIndex * 4, dst, dstOffset, n * 4L);
            case BF16 -> bf16(src, srcIndex * 2, dst, dstOffset, n);
            case F16 -> f16(src, srcIndex * 2, dst, dstOffset, n);
        }
    }

    /** Row {@code row} of a [rows, n] tensor, widened into {@code dst[off .. off+n)}. */
    public static void row(MemorySegment src, DType type, long row, float[] dst, int off, int n) {
        toFloat(src, type, row * n, MemorySegment.ofArray(dst), off * 4L, n);
    }

    /** bfloat16 is the top half of a float32. */
    private static void bf16(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(H, src, srcOff + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoMemorySegment(dst, dstOff + 4L * i, LE);
        }
        for (; i < n; i++) dst.set(F32, dstOff + 4L * i, Float.intBitsToFloat((src.get(I16, srcOff + 2L * i) & 0xffff) << 16));
    }

    /**
     * IEEE half: the exponent is rebased from 15 to 127 by an integer add; subnormal halves are built
     * as 2^-14·(1 + m/1024) − 2^-14 so that no float subnormal (slow on some cores) is ever formed.
     */
    private static void f16(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        int i = 0;
        FloatVector twoM14 = FloatVector.broadcast(F, 0x1p-14f);
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(H, src, srcOff + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff);
            IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(112 << 23);
            VectorMask<Integer> sub = em.compare(VectorOperators.LT, 0x0400);
            VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7c00);
            IntVector subBits = em.lanewise(VectorOperators.LSHL, 13).or(113 << 23);
            FloatVector subVal = subBits.reinterpretAsFloats().sub(twoM14);
            IntVector bits = normal.lanewise(VectorOperators.OR, 0x7f800000, special)
                    .blend(subVal.reinterpretAsInts(), sub)
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
            bits.reinterpretAsFloats().intoMemorySegment(dst, dstOff + 4L * i, LE);
        }
        for (; i < n; i++) dst.set(F32, dstOff + 4L * i, Float.float16ToFloat(src.get(I16, srcOff + 2L * i)));
    }
}
