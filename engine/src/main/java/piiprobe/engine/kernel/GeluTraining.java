package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GPT-2's gelu_new for training, with {@link ReproducibleMath#tanh} so that a run repeats bit for bit
 * (the inference kernel, {@link Activation#GELU_NEW}, uses the Vector API's TANH). The forward pass
 * writes to a new array so that the input stays for the backward pass.
 * gelu(x) = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), so
 * gelu'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
 */
public final class GeluTraining {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float A = 0.044715f;
    private static final int CHUNK = 1 << 14;

    private GeluTraining() {}

    /** out[i] = gelu_new(in[i]) for i < n. */
    public static void forward(float[] in, float[] out, int n) {
        Parallel.forEach((n + CHUNK - 1) / CHUNK, c -> {
            int from = c * CHUNK, to = Math.min(n, from + CHUNK), i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length())
                gelu(FloatVector.fromArray(S, in, i)).intoArray(out, i);
            for (; i < to; i++) out[i] = gelu(FloatVector.broadcast(S, in[i])).lane(0);
        });
    }

    /** din[i] = dout[i] · gelu_new'(in[i]) for i < n; din may be dout. */
    public static void backward(float[] in, float[] dout, float[] din, int n) {
        Parallel.forEach((n + CHUNK - 1) / CHUNK, c -> {
            int from = c * CHUNK, to = Math.min(n, from + CHUNK), i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length())
                slope(FloatVector.fromArray(S, in, i)).mul(FloatVector.fromArray(S, dout, i)).intoArray(din, i);
            for (; i < to; i++) din[i] = slope(FloatVector.broadcast(S, in[i])).lane(0) * dout[i];
        });
    }

    private static FloatVector gelu(FloatVector x) {
        FloatVector u = x.mul(x).mul(A).add(1f).mul(x).mul(SQRT_2_OVER_PI);
        return x.mul(0.5f).mul(ReproducibleMath.tanh(u).add(1f));
    }

    private static FloatVector slope(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector th = ReproducibleMath.tanh(x2.mul(A).add(1f).mul(x).mul(SQRT_2_OVER_PI));
        FloatVector tail = x2.mul(3 * A).add(1f).mul(SQRT_2_OVER_PI).mul(th.mul(th).neg().add(1f)).mul(x);
        return th.add(1f).add(tail).mul(0.5f);
    }
}
