package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GPT-2's gelu_new for training: the forward pass writes to a new array so that the input stays for
 * the backward pass. gelu(x) = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), so
 * gelu'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
 */
public final class GeluTraining {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float A = 0.044715f;
    private static final int GRAIN = 1 << 14;

    private GeluTraining() {}

    /** out[i] = gelu_new(in[i]) for i < n, by the inference kernel itself. */
    public static void forward(float[] in, float[] out, int n) {
        System.arraycopy(in, 0, out, 0, n);
        Activation.GELU_NEW.apply(out, n);
    }

    /** din[i] = dout[i] · gelu_new'(in[i]) for i < n. */
    public static void backward(float[] in, float[] dout, float[] din, int n) {
        int chunks = (n + GRAIN - 1) / GRAIN;
        Parallel.forEach(chunks, c -> {
            int from = c * GRAIN, to = Math.min(n, from + GRAIN), i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                FloatVector x = FloatVector.fromArray(S, in, i);
                FloatVector x2 = x.mul(x);
                FloatVector th = x2.mul(A).add(1f).mul(x).mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH);
                FloatVector slope = x2.mul(3 * A).add(1f).mul(SQRT_2_OVER_PI).mul(th.mul(th).neg().add(1f)).mul(x);
                th.add(1f).add(slope).mul(0.5f).mul(FloatVector.fromArray(S, dout, i)).intoArray(din, i);
            }
            for (; i < to; i++) {
                float x = in[i];
                float th = (float) Math.tanh(SQRT_2_OVER_PI * (x + A * x * x * x));
                din[i] = dout[i] * 0.5f * (1 + th + x * (1 - th * th) * SQRT_2_OVER_PI * (1 + 3 * A * x * x));
            }
        });
    }
}
