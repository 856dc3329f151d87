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
     * {@code type} from {@code src} starting at element {@code srcIndex}. For the kernels' native
     * buffers: heap arrays go through {@link #row}, so that each loop sees one kind of segment (a loop
     * profiled with both is compiled to a slow path, which made half-precision decoding 2× slower).
     */
    public static void toFloat(MemorySegment src, DType type, long srcIndex, MemorySegment dst, long dstOffset, int n) {
        if (type == DType.F32) {
            MemorySegment.copy(src, srcIndex * 4, dst, dstOffset, n * 4L);
            return;
        }
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) vector(src, type, srcIndex + i).intoMemorySegment(dst, dstOffset + 4L * i, LE);
        for (; i < n; i++) dst.set(F32, dstOffset + 4L * i, scalar(src, type, srcIndex + i));
    }

    /** Row {@code row} of a [rows, n] tensor, widened into {@code dst[off .. off+n)}. */
    public static void row(MemorySegment src, DType type, long row, float[] dst, int off, int n) {
        long first = row * n;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) vector(src, type, first + i).intoArray(dst, off + i);
        for (; i < n; i++) dst[off + i] = scalar(src, type, first + i);
    }

    private static FloatVector vector(MemorySegment src, DType type, long index) {
        return switch (type) {
            case F32 -> FloatVector.fromMemorySegment(F, src, index * 4, LE);
            case BF16 -> bf16(src, index * 2);
            case F16 -> f16(src, index * 2);
        };
    }

    private static float scalar(MemorySegment src, DType type, long index) {
        return switch (type) {
            case F32 -> src.get(F32, index * 4);
            case BF16 -> Float.intBitsToFloat((src.get(I16, index * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(src.get(I16, index * 2));
        };
    }

    /** bfloat16 is the top half of a float32. */
    private static FloatVector bf16(MemorySegment src, long byteOff) {
        IntVector bits = (IntVector) ShortVector.fromMemorySegment(H, src, byteOff, LE).convertShape(VectorOperators.S2I, I, 0);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * IEEE half: the exponent is rebased from 15 to 127 by an integer add; subnormal halves are built
     * as 2^-14·(1 + m/1024) − 2^-14 so that no float subnormal (slow on some cores) is ever formed.
     */
    private static FloatVector f16(MemorySegment src, long byteOff) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, src, byteOff, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.and(0x7fff);
        IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(112 << 23);
        VectorMask<Integer> sub = em.compare(VectorOperators.LT, 0x0400);
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7c00);
        IntVector subBits = em.lanewise(VectorOperators.LSHL, 13).or(113 << 23);
        FloatVector subVal = subBits.reinterpretAsFloats().sub(0x1p-14f);
        IntVector bits = normal.lanewise(VectorOperators.OR, 0x7f800000, special)
                .blend(subVal.reinterpretAsInts(), sub)
                .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
        return bits.reinterpretAsFloats();
    }
}
