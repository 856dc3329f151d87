package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector exp, tanh and lane sums that give the same bits whether or not the JIT has compiled the
 * caller. The Vector API's own {@code EXP} and {@code TANH} run a short-vector math library once
 * compiled but Math's functions lane by lane before, and {@code reduceLanes(ADD)} may add lanes in
 * another order once compiled; either changes the last bit of a float now and then, which training
 * amplifies into other weights. These use lanewise +, ×, fma and bit operations only, each exactly
 * rounded in both modes, so a training run is reproducible bit for bit.
 */
final class ReproducibleMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two (Cody and Waite) so that k·ln 2 is subtracted without rounding error. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** Adding then subtracting 1.5·2²³ rounds a float of magnitude below 2²² to the nearest integer. */
    private static final float ROUND = 12582912f;
    /** Below this exp(x) is under the smallest normal float: the result is 0. */
    private static final float EXP_MIN = -87.33654f;
    private static final float EXP_MAX = 88.72283f;

    private ReproducibleMath() {}

    /** e^x per lane, within 2 ulps (Cephes' expf polynomial); 0 below −87.34, including −∞. */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.compare(VectorOperators.LT, EXP_MIN);
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector k = c.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), c);
        r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector twoK = k.convert(VectorOperators.F2I, 0).reinterpretAsInts().add(127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(twoK).blend(0f, underflow);
    }

    /** tanh x = 1 − 2 / (e^{2x} + 1) per lane, within about 1e-7 absolute. */
    static FloatVector tanh(FloatVector x) {
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(x.add(x)).add(1f)));
    }

    /** The lanes of v added from the first to the last. */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < S.length(); i++) s += v.lane(i);
        return s;
    }

    /** Σ a[ao + i] · b[bo + i] for i < n: lanewise fma, lanes summed in order, then the tail. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        float s = sum(acc);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** e^x of one float, by the vector routine, so that a loop's tail rounds like its body. */
    static float exp(float x) {
        return exp(FloatVector.broadcast(S, x)).lane(0);
    }
}
