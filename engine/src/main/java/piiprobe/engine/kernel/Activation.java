package piiprobe.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The MLP activations of transformers' ACT2FN that piiprobe's architectures use, by their config names. */
public enum Activation {
    /** Exact GELU, 0.5·x·(1 + erf(x/√2)). */
    GELU("gelu"),
    /** GPT-2's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    GELU_NEW("gelu_new", "gelu_pytorch_tanh"),
    /** 0.5·x·(1 + tanh(0.7978845608·x·(1 + 0.044715·x²))). */
    GELU_FAST("gelu_fast"),
    /** x·sigmoid(1.702·x). */
    QUICK_GELU("quick_gelu"),
    /** x·sigmoid(x). */
    SILU("silu", "swish"),
    RELU("relu");

    private static final VectorSpecies<Float> S = Widen.F;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final int GRAIN = 1 << 14;

    private final String[] names;

    Activation(String... names) {
        this.names = names;
    }

    /** The activation transformers calls {@code name}, or null. */
    public static Activation byName(String name) {
        for (Activation a : values()) if (Arrays.asList(a.names).contains(name)) return a;
        return null;
    }

    public static String supportedNames() {
        return Arrays.stream(values()).flatMap(a -> Arrays.stream(a.names)).collect(Collectors.joining(", "));
    }

    /** x[i] = act(x[i]) for i < n. */
    public void apply(float[] x, int n) {
        Parallel.forRange(n, GRAIN, (from, to) -> {
            int i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length())
                apply(FloatVector.fromArray(S, x, i)).intoArray(x, i);
            for (; i < to; i++) x[i] = apply(FloatVector.broadcast(S, x[i])).lane(0);
        });
    }

    /**
     * Gated MLP input (Llama's SwiGLU): {@code gu} holds, per row, the gate projection then the up
     * projection ({@code width} each); out[r, j] = act(gate[r, j]) · up[r, j].
     */
    public void gated(float[] gu, int rows, int width, float[] out) {
        Parallel.forRange(rows, Math.max(1, GRAIN / width), (from, to) -> {
            for (int r = from; r < to; r++) {
                int g = 2 * r * width, o = r * width, j = 0;
                for (int bound = S.loopBound(width); j < bound; j += S.length())
                    apply(FloatVector.fromArray(S, gu, g + j)).mul(FloatVector.fromArray(S, gu, g + width + j)).intoArray(out, o + j);
                for (; j < width; j++) out[o + j] = apply(FloatVector.broadcast(S, gu[g + j])).lane(0) * gu[g + width + j];
            }
        });
    }

    private FloatVector apply(FloatVector x) {
        return switch (this) {
            case GELU -> x.mul(0.5f).mul(onePlusErf(x.mul(SQRT_HALF)));
            case GELU_NEW -> {
                FloatVector inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
                yield x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
            }
            case GELU_FAST -> {
                FloatVector inner = x.mul(0.7978845608f).mul(x.mul(x).mul(0.044715f).add(1f));
                yield x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
            }
            case QUICK_GELU -> x.mul(sigmoid(x.mul(1.702f)));
            case SILU -> x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            case RELU -> x.max(0f);
        };
    }

    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    /**
     * 1 + erf(z), through erfc with relative accuracy ~1.2e-7 on both sides (Numerical Recipes'
     * Chebyshev fit), so that GELU keeps its relative precision for negative inputs where
     * 1 + erf(z) = erfc(−z) is tiny.
     */
    static FloatVector onePlusErf(FloatVector z) {
        FloatVector a = z.abs();
        FloatVector t = FloatVector.broadcast(S, 1f).div(a.mul(0.5f).add(1f));
        FloatVector p = t.mul(0.17087277f).add(-0.82215223f);
        p = t.mul(p).add(1.48851587f);
        p = t.mul(p).add(-1.13520398f);
        p = t.mul(p).add(0.27886807f);
        p = t.mul(p).add(-0.18628806f);
        p = t.mul(p).add(0.09678418f);
        p = t.mul(p).add(0.37409196f);
        p = t.mul(p).add(1.00002368f);
        p = t.mul(p).add(-1.26551223f);
        FloatVector erfcAbs = t.mul(a.mul(a).neg().add(p).lanewise(VectorOperators.EXP));
        VectorMask<Float> negative = z.compare(VectorOperators.LT, 0f);
        return erfcAbs.neg().add(2f).blend(erfcAbs, negative);
    }
}
